/**
 * PostgreSQL canonical text and checksum SQL for the reconciler (rules: docs/normalization.md).
 * Sessions run with TimeZone=UTC (see `index.ts`); timestamptz is converted to UTC explicitly.
 */
import type { Knex } from 'knex';
import { fail } from '../../../errors.js';
import { lexCompare, keyEqualsSql, type CanonSpec, type ChecksumSql } from '../../canonical.js';
import type { ColumnInfo } from '../../introspect.js';

const TRUNC_UNIT: Record<number, string> = { 0: 'second', 3: 'milliseconds', 6: 'microseconds' };

/**
 * Date-time/time text with at most `digits` fraction digits, truncated, trailing zeros
 * dropped: PostgreSQL's own ISO output (DateStyle ISO, checked by `prepare`), which is much
 * cheaper than to_char. `date_trunc` truncates where a unit exists; other precisions go
 * through to_char.
 */
function dateTimeText(x: string, column: ColumnInfo, digits: number, time: boolean): string {
  const have = column.fractionalDigits ?? 6;
  const utc = column.family === 'timestamptz' ? `(${x} AT TIME ZONE 'UTC')` : x;
  if (digits >= have) return `${utc}::text`;
  const unit = TRUNC_UNIT[digits];
  if (unit && !time) return `date_trunc('${unit}', ${utc})::text`;
  const full = time ? `to_char(${x}, 'HH24:MI:SS.US')` : `to_char(${utc}, 'YYYY-MM-DD HH24:MI:SS.US')`;
  const width = (time ? 8 : 19) + (digits > 0 ? digits + 1 : 0);
  return digits > 0 ? `rtrim(rtrim(left(${full}, ${width}), '0'), '.')` : `left(${full}, ${width})`;
}

function floatText(x: string, digits: number): string {
  const v = `(${x})::float8`;
  const k = `(floor(log(abs(${v}))) - ${digits - 1})`;
  return (
    `CASE WHEN ${v} = 'NaN'::float8 THEN 'nan' WHEN ${v} = 'Infinity'::float8 THEN 'inf' WHEN ${v} = '-Infinity'::float8 THEN '-inf' ` +
    `WHEN ${v} = 0 THEN '0' ELSE round(${v} / power(10::float8, ${k}))::bigint::text || 'e' || ${k}::bigint::text END`
  );
}

function boolText(x: string): string {
  return `CASE WHEN ${x} THEN '1' WHEN NOT ${x} THEN '0' END`;
}

function canonical(x: string, column: ColumnInfo, spec: CanonSpec): string {
  switch (spec.t) {
    case 'integer':
      return column.family === 'boolean' ? boolText(x) : `${x}::text`;
    case 'boolean':
      return column.family === 'boolean' ? boolText(x) : `CASE WHEN ${x} <> 0 THEN '1' WHEN ${x} = 0 THEN '0' END`;
    case 'decimal':
      if (column.family === 'integer') return `${x}::text`;
      if (spec.scale === null) return `trim_scale(${x})::text`;
      return column.scale === spec.scale ? `${x}::text` : `round(${x}, ${spec.scale})::text`;
    case 'float':
      return floatText(x, spec.digits);
    case 'string':
      return spec.rtrim ? `rtrim(${x}::text)` : `${x}::text`;
    case 'uuid':
      if (column.family === 'binary') return `encode(${x}, 'hex')`;
      if (spec.form === 'hex') return `replace(lower(${x}::text), '-', '')`;
      return `lower(${x}::text)`;
    case 'timestamp':
      return dateTimeText(x, column, spec.digits, false);
    case 'time':
      return dateTimeText(x, column, spec.digits, true);
    case 'date':
      return `${x}::text`;
    case 'binary':
      return `encode(${x}, 'hex')`;
    case 'json':
      return `(${x})::jsonb::text`;
    case 'text':
      return `${x}::text`;
  }
}

/** PostgreSQL checksum SQL. */
export const postgresChecksum: ChecksumSql = {
  canonical,
  concat: (parts) => parts.map((p) => `(${p})`).join(' || '),
  charLength: (expr) => `length(${expr})::text`,
  hashAggregate: (rowText) => `count(*) AS cnt, sum(('x' || encode(substr(sha256(convert_to(${rowText}, 'UTF8')), 1, 8), 'hex'))::bit(64)::bigint) AS hsum`,
  keyAfter: (cols, bound) => lexCompare(cols, bound, '>', true),
  keyThrough: (cols, bound) => lexCompare(cols, bound, '<=', true),
  keyEquals: keyEqualsSql,
  intDiv: (expr, divisor) => `(${expr}) / ${divisor}`,
  timestampAtMost: (expr, _column, utc) => ({ sql: `${expr} <= ?`, bindings: [utc] }),
  fixedWidth: (column) => Boolean(column.fixedWidth),
  nativeJson: true,
  floatBits: (column) => (column.nativeType === 'real' ? 32 : 64),
  async uniqueKeys(knex: Knex, table: string) {
    const i = table.indexOf('.');
    const [schema, name] = i < 0 ? [null, table] : [table.slice(0, i), table.slice(i + 1)];
    const { rows } = (await knex.raw(
      `select ix.indexrelid::text as idx, a.attname as col
         from pg_index ix
         join pg_class c on c.oid = ix.indrelid
         join pg_namespace n on n.oid = c.relnamespace
         join lateral unnest(ix.indkey) with ordinality as k(attnum, ord) on true
         join pg_attribute a on a.attrelid = ix.indrelid and a.attnum = k.attnum
        where ix.indisunique and ix.indpred is null and c.relname = ? and n.nspname = coalesce(?, current_schema())
        order by ix.indexrelid, k.ord`,
      [name, schema],
    )) as { rows: { idx: string; col: string }[] };
    const byIndex = new Map<string, string[]>();
    for (const r of rows) byIndex.set(r.idx, [...(byIndex.get(r.idx) ?? []), r.col]);
    return [...byIndex.values()];
  },
  async prepare(knex: Knex) {
    // Date-times are rendered by the server's own text output, which is ISO only under DateStyle ISO.
    const { rows } = (await knex.raw('SHOW DateStyle')) as { rows: Array<{ DateStyle?: string; datestyle?: string }> };
    const style = rows[0]?.DateStyle ?? rows[0]?.datestyle ?? '';
    if (!/^ISO/i.test(style)) throw fail('RECONCILE_UNSUPPORTED_SERVER', `PostgreSQL DateStyle is "${style}"; reconcile needs ISO (the default)`, { hint: "ALTER DATABASE ... SET DateStyle = 'ISO, MDY'" });
  },
};
