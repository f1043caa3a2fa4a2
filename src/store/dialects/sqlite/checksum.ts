/**
 * SQLite canonical text and checksum SQL for the reconciler. SQLite has no sha256() and no
 * canonical formatting functions, so `prepare()` registers deterministic user functions on
 * the connection through better-sqlite3's `db.function` / `db.aggregate`: `sy_c_*` (canonical
 * text, implemented in `canonical-values.ts`, the same rules as the other engines' SQL) and
 * `sy_hsum` (sum mod 2^64 of the first 64 bits of each row text's SHA-256).
 */
import type { Knex } from 'knex';
import { lexCompare, keyEqualsSql, type CanonSpec, type ChecksumSql } from '../../canonical.js';
import { canonicalJsonOrRaw } from '../../canonical-json.js';
import {
  canonBinary,
  canonBoolean,
  canonDate,
  canonDecimal,
  canonFloat,
  canonInteger,
  canonString,
  canonTime,
  canonTimestamp,
  canonUuid,
  hashHead64,
  type SqliteValue,
} from '../../canonical-values.js';
import type { ColumnInfo } from '../../introspect.js';

const MASK64 = (1n << 64n) - 1n;

/** The structural subset of a better-sqlite3 Database that registration uses. */
interface FunctionHost {
  function(name: string, options: { deterministic: boolean; safeIntegers: boolean }, fn: (...args: never[]) => unknown): unknown;
  aggregate(
    name: string,
    options: { start: () => bigint; step: (acc: bigint, v: string | null) => bigint; result: (acc: bigint) => string; safeIntegers: boolean; deterministic: boolean },
  ): unknown;
}

const prepared = new WeakSet<object>();


function register(db: FunctionHost): void {
  const fn = (name: string, impl: (...args: never[]) => unknown): void => {
    db.function(name, { deterministic: true, safeIntegers: true }, impl);
  };
  fn('sy_c_int', (v: SqliteValue) => canonInteger(v));
  fn('sy_c_bool', (v: SqliteValue) => canonBoolean(v));
  fn('sy_c_dec', (v: SqliteValue, scale: bigint | null) => canonDecimal(v, scale === null ? null : Number(scale)));
  fn('sy_c_float', (v: SqliteValue, digits: bigint) => canonFloat(v, Number(digits)));
  fn('sy_c_str', (v: SqliteValue, rtrim: bigint) => canonString(v, rtrim !== 0n));
  fn('sy_c_uuid', (v: SqliteValue, hex: bigint) => canonUuid(v, hex !== 0n ? 'hex' : 'dashed'));
  fn('sy_c_ts', (v: SqliteValue, digits: bigint) => canonTimestamp(v, Number(digits)));
  fn('sy_c_date', (v: SqliteValue) => canonDate(v));
  fn('sy_c_ts6', (v: SqliteValue) => (v === null ? null : fixed6(canonTimestamp(v, 6)!)));
  fn('sy_c_time', (v: SqliteValue, digits: bigint) => canonTime(v, Number(digits)));
  fn('sy_c_json', (v: SqliteValue) => (v === null ? null : canonicalJsonOrRaw(Buffer.isBuffer(v) ? v.toString('utf8') : String(v))));
  fn('sy_c_bin', (v: SqliteValue) => canonBinary(v));
  fn('sy_c_text', (v: SqliteValue) => (v === null ? null : Buffer.isBuffer(v) ? v.toString('utf8') : String(v)));
  db.aggregate('sy_hsum', {
    start: () => 0n,
    step: (acc, v) => (v === null ? acc : (acc + hashHead64(v)) & MASK64),
    result: (acc) => acc.toString(),
    safeIntegers: true,
    deterministic: true,
  });
}

/** Fixed-width `YYYY-MM-DD HH:MM:SS.ffffff`, so timestamps compare as text. */
function fixed6(text: string): string {
  const [whole, frac = ''] = text.replace('T', ' ').split('.');
  return `${whole!.slice(0, 19)}.${frac.padEnd(6, '0').slice(0, 6)}`;
}

function canonical(x: string, column: ColumnInfo, spec: CanonSpec): string {
  switch (spec.t) {
    case 'integer':
      return `sy_c_int(${x})`;
    case 'boolean':
      return `sy_c_bool(${x})`;
    case 'decimal':
      return column.family === 'integer' ? `sy_c_int(${x})` : `sy_c_dec(${x}, ${spec.scale === null ? 'NULL' : spec.scale})`;
    case 'float':
      return `sy_c_float(${x}, ${spec.digits})`;
    case 'string':
      return `sy_c_str(${x}, ${spec.rtrim ? 1 : 0})`;
    case 'uuid':
      return `sy_c_uuid(${x}, ${spec.form === 'hex' ? 1 : 0})`;
    case 'timestamp':
      return `sy_c_ts(${x}, ${spec.digits})`;
    case 'date':
      return `sy_c_date(${x})`;
    case 'time':
      return `sy_c_time(${x}, ${spec.digits})`;
    case 'json':
      return `sy_c_json(${x})`;
    case 'binary':
      return `sy_c_bin(${x})`;
    case 'text':
      return `sy_c_text(${x})`;
  }
}

/** SQLite checksum SQL. */
export const sqliteChecksum: ChecksumSql = {
  canonical,
  concat: (parts) => parts.map((p) => `(${p})`).join(' || '),
  charLength: (expr) => `length(${expr})`,
  hashAggregate: (rowText) => `count(*) AS cnt, sy_hsum(${rowText}) AS hsum`,
  keyAfter: (cols, bound) => lexCompare(cols, bound, '>', true),
  keyThrough: (cols, bound) => lexCompare(cols, bound, '<=', true),
  keyEquals: keyEqualsSql,
  intDiv: (expr, divisor) => `(${expr}) / ${divisor}`,
  timestampAtMost: (expr, _column, utc) => ({ sql: `sy_c_ts6(${expr}) <= ?`, bindings: [fixed6(utc)] }),
  // SQLite keeps CHAR(n) values as written; the declared type still marks a fixed-width column.
  fixedWidth: (column) => /^n?char(acter)?\s*\(/.test(column.nativeType),
  nativeJson: true,
  floatBits: () => 64,
  async uniqueKeys(knex: Knex, table: string) {
    const indexes = (await knex.raw(`select name from pragma_index_list(?) where "unique" = 1`, [table])) as { name: string }[];
    const out: string[][] = [];
    for (const ix of indexes) {
      const cols = (await knex.raw(`select name from pragma_index_info(?) order by seqno`, [ix.name])) as { name: string }[];
      out.push(cols.map((c) => c.name));
    }
    return out;
  },
  async prepare(knex: Knex) {
    const conn = (await knex.client.acquireConnection()) as FunctionHost & object;
    try {
      if (!prepared.has(conn)) {
        register(conn);
        prepared.add(conn);
      }
    } finally {
      await knex.client.releaseConnection(conn);
    }
  },
};
