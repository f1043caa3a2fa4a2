/**
 * MySQL/MariaDB canonical text and checksum SQL for the reconciler (rules: docs/normalization.md).
 * Sessions run in UTC (see `index.ts`), so TIMESTAMP columns print in UTC.
 */
import type { Knex } from 'knex';
import { lexCompare, keyEqualsSql, type CanonSpec, type ChecksumSql } from '../../canonical.js';
import type { ColumnInfo } from '../../introspect.js';

/** Drops `drop` trailing characters of a text expression (fraction digits beyond the common precision). */
function dropTail(text: string, drop: number): string {
  return drop > 0 ? `LEFT(${text}, CHAR_LENGTH(${text}) - ${drop})` : text;
}

/** Date-time/time text truncated to `digits` fraction digits, trailing zeros (and a bare point) dropped. */
function fraction(x: string, column: ColumnInfo, digits: number): string {
  const have = column.fractionalDigits ?? 0;
  const keep = Math.min(digits, have);
  const drop = have - keep + (keep === 0 && have > 0 ? 1 : 0);
  // String functions convert a temporal value to its text themselves (cheaper than CAST).
  const text = drop > 0 ? dropTail(`CAST(${x} AS CHAR)`, drop) : x;
  return keep > 0 ? `TRIM(TRAILING '.' FROM TRIM(TRAILING '0' FROM ${text}))` : drop > 0 ? text : `CAST(${x} AS CHAR)`;
}

function floatText(x: string, digits: number): string {
  const k = `(FLOOR(LOG10(ABS(${x}))) - ${digits - 1})`;
  return `CASE WHEN ${x} = 0 THEN '0' ELSE CONCAT(CAST(ROUND(${x} / POW(10, ${k})) AS SIGNED), 'e', CAST(${k} AS SIGNED)) END`;
}

/**
 * Numbers and dates are returned as is: CONCAT (the row text) converts them to exactly the
 * text CAST(... AS CHAR) gives, at a fraction of the cost, and the driver returns the same
 * text (big numbers, decimals and dates come back as strings; see `index.ts`).
 */
function canonical(x: string, column: ColumnInfo, spec: CanonSpec): string {
  switch (spec.t) {
    case 'integer':
      return x;
    case 'boolean':
      return `CASE WHEN ${x} <> 0 THEN '1' WHEN ${x} = 0 THEN '0' END`;
    case 'decimal':
      if (column.family === 'integer' || spec.scale === null || column.scale === spec.scale) return x;
      return `CAST(ROUND(${x}, ${spec.scale}) AS CHAR)`;
    case 'float':
      return floatText(x, spec.digits);
    case 'string':
      return spec.rtrim ? `RTRIM(${x})` : x;
    case 'uuid':
      if (column.family === 'binary') return `LOWER(HEX(${x}))`;
      if (spec.form === 'hex') return `LOWER(REPLACE(CAST(${x} AS CHAR), '-', ''))`;
      return `LOWER(CAST(${x} AS CHAR))`;
    case 'timestamp':
    case 'time':
      return fraction(x, column, spec.digits);
    case 'date':
      return x;
    case 'binary':
      return `LOWER(HEX(${x}))`;
    case 'json':
    case 'text':
      return `CAST(${x} AS CHAR)`;
  }
}

/** MySQL/MariaDB checksum SQL. */
export const mysqlChecksum: ChecksumSql = {
  canonical,
  concat: (parts) => `CONCAT(${parts.join(', ')})`,
  charLength: (expr) => `CHAR_LENGTH(${expr})`,
  hashAggregate: (rowText) => `COUNT(*) AS cnt, SUM(CAST(CONV(LEFT(SHA2(${rowText}, 256), 16), 16, 10) AS UNSIGNED)) AS hsum`,
  keyAfter: (cols, bound) => lexCompare(cols, bound, '>', false),
  keyThrough: (cols, bound) => lexCompare(cols, bound, '<=', false),
  keyEquals: keyEqualsSql,
  intDiv: (expr, divisor) => `(${expr}) DIV ${divisor}`,
  timestampAtMost: (expr, _column, utc) => ({ sql: `${expr} <= ?`, bindings: [utc] }),
  fixedWidth: (column) => Boolean(column.fixedWidth),
  nativeJson: false,
  floatBits(column) {
    const m = /^float(?:\((\d+)(?:,\s*\d+)?\))?/.exec(column.nativeType);
    if (!m) return 64;
    return m[1] !== undefined && Number(m[1]) > 24 ? 64 : 32;
  },
  async uniqueKeys(knex: Knex, table: string) {
    const [rows] = (await knex.raw(
      `select INDEX_NAME as idx, COLUMN_NAME as col from information_schema.STATISTICS
        where TABLE_SCHEMA = database() and TABLE_NAME = ? and NON_UNIQUE = 0 order by INDEX_NAME, SEQ_IN_INDEX`,
      [table],
    )) as [{ idx: string; col: string }[]];
    return groupIndexColumns(rows);
  },
  async prepare() {
    // nothing to prepare: SHA2, CONV and HEX are built in
  },
};

/** Groups `(index, column)` rows into column lists per index. */
export function groupIndexColumns(rows: ReadonlyArray<{ idx: string; col: string }>): string[][] {
  const byIndex = new Map<string, string[]>();
  for (const r of rows) {
    const list = byIndex.get(r.idx) ?? [];
    list.push(r.col);
    byIndex.set(r.idx, list);
  }
  return [...byIndex.values()];
}
