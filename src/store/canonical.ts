/**
 * Canonical text for cross-engine checksums (the reconciler's per-dialect SQL). Each engine's
 * `dialects/<engine>/checksum.ts` implements {@link ChecksumSql}: it renders a column as the
 * same text on every engine for equal data, so an in-database hash of that text agrees.
 * The rules themselves are documented in docs/normalization.md.
 */
import type { Knex } from 'knex';
import type { ColumnInfo } from './introspect.js';

/**
 * How a column is rendered to canonical text (SQL NULL stays NULL):
 * - `integer`: decimal digits, `-` for negatives;
 * - `boolean`: `1` for true (any non-zero), `0` for false;
 * - `decimal`: fixed point with exactly `scale` fraction digits, rounded half away from zero;
 *   `scale: null` (both sides unconstrained) strips trailing zeros;
 * - `float`: `<mantissa>e<exponent>` with `digits` significant digits (`0` for zero);
 * - `string`: the text itself; `rtrim` removes trailing spaces (fixed-width CHAR);
 * - `uuid`: lower-case, `dashed` (8-4-4-4-12) or `hex` (32 digits, for a binary counterpart);
 * - `timestamp`: `YYYY-MM-DD HH:MM:SS[.f]` in UTC, at most `digits` fraction digits (truncated),
 *   trailing zeros of the fraction dropped (and the point when nothing is left);
 * - `date`: `YYYY-MM-DD`; `time`: `HH:MM:SS[.f]`, likewise;
 * - `json`: the engine's exact canonical JSON text (only where {@link ChecksumSql.nativeJson});
 * - `binary`: lower-case hex of the bytes;
 * - `text`: the engine's own text cast (same-engine `other` types only).
 */
export type CanonSpec =
  | { t: 'integer' }
  | { t: 'boolean' }
  | { t: 'decimal'; scale: number | null }
  | { t: 'float'; digits: number }
  | { t: 'string'; rtrim: boolean }
  | { t: 'uuid'; form: 'dashed' | 'hex' }
  | { t: 'timestamp'; digits: number }
  | { t: 'date' }
  | { t: 'time'; digits: number }
  | { t: 'json' }
  | { t: 'binary' }
  | { t: 'text' };

/** A key bound: canonical key texts, one per key column. */
export type KeyTuple = readonly string[];

/** A key column as the range SQL sees it. */
export interface KeyColumnSql {
  /** Quoted column reference. */
  sql: string;
  /** The column. */
  column: ColumnInfo;
  /** Its canonical rendering (used to turn a canonical bound back into a parameter). */
  spec: CanonSpec;
}

/** A SQL fragment with `?` bindings. */
export interface SqlFragment {
  sql: string;
  bindings: unknown[];
}

/** The per-engine SQL the reconciler needs. */
export interface ChecksumSql {
  /** Canonical text of `expr` (a column reference of `column`), or NULL. */
  canonical(expr: string, column: ColumnInfo, spec: CanonSpec): string;
  /** String concatenation of SQL text expressions (none of them NULL). */
  concat(parts: readonly string[]): string;
  /** Character length of a text expression, as text-concatenable SQL. */
  charLength(expr: string): string;
  /**
   * The aggregate select list over `rowText` (one text per row): `cnt` (row count) and
   * `hsum` (sum of the first 64 bits of each row text's SHA-256, as an integer or its text; the
   * reconciler reduces it mod 2^64).
   */
  hashAggregate(rowText: string): string;
  /** `col > bound` (lexicographic over composite keys), index-friendly for this engine. */
  keyAfter(cols: readonly KeyColumnSql[], bound: KeyTuple): SqlFragment;
  /** `col <= bound`, likewise. */
  keyThrough(cols: readonly KeyColumnSql[], bound: KeyTuple): SqlFragment;
  /** `col = key` for one key tuple. */
  keyEquals(cols: readonly KeyColumnSql[], key: KeyTuple): SqlFragment;
  /** Integer division of a non-negative integer expression by a positive integer literal. */
  intDiv(expr: string, divisor: bigint): string;
  /** `expr <= literal` for a date-time column against a canonical UTC timestamp text. */
  timestampAtMost(expr: string, column: ColumnInfo, canonicalUtc: string): SqlFragment;
  /** True when this engine renders `json` specs exactly and canonically in SQL. */
  readonly nativeJson: boolean;
  /** A fixed-width CHAR column (its trailing spaces are padding, dropped before comparing). */
  fixedWidth(column: ColumnInfo): boolean;
  /** Float width of a float column: 32 (single precision) or 64. */
  floatBits(column: ColumnInfo): 32 | 64;
  /** Column sets with a unique index or primary key on the table. */
  uniqueKeys(knex: Knex, table: string): Promise<string[][]>;
  /**
   * Prepares a connection pool before reconcile queries (SQLite: registers the hash and
   * canonical-text user functions on its connection). A no-op elsewhere.
   */
  prepare(knex: Knex): Promise<void>;
}

/** Parses a bound text back into a parameter for this key column (shared by every engine). */
export function keyParam(col: KeyColumnSql, text: string): unknown {
  switch (col.spec.t) {
    case 'binary':
      return Buffer.from(text, 'hex');
    case 'uuid':
      if (col.column.family === 'binary') return Buffer.from(text.replace(/-/g, ''), 'hex');
      return col.spec.form === 'hex' ? `${text.slice(0, 8)}-${text.slice(8, 12)}-${text.slice(12, 16)}-${text.slice(16, 20)}-${text.slice(20)}` : text;
    default:
      return text;
  }
}

/** A safe integer literal for SQL (canonical integer text is digits only). */
export function intLiteral(text: string): string {
  if (!/^-?\d+$/.test(text)) throw new Error(`not an integer: ${JSON.stringify(text)}`);
  return text;
}

/** One key value as SQL: an inline literal for integers (exact, index-friendly), else a binding. */
export function keyValueSql(col: KeyColumnSql, text: string): SqlFragment {
  if (col.spec.t === 'integer') return { sql: intLiteral(text), bindings: [] };
  return { sql: '?', bindings: [keyParam(col, text)] };
}

/**
 * Lexicographic comparison of a key against a bound. `rowValues` writes `(a, b) > (?, ?)`
 * (PostgreSQL and SQLite use an index for it); otherwise the expanded
 * `a > ? OR (a = ? AND b > ?)` form, which MySQL/MariaDB's range optimiser handles.
 */
export function lexCompare(cols: readonly KeyColumnSql[], bound: KeyTuple, op: '>' | '<=', rowValues: boolean): SqlFragment {
  if (cols.length !== bound.length) throw new Error(`key bound has ${bound.length} values for ${cols.length} key columns`);
  const values = cols.map((c, i) => keyValueSql(c, bound[i]!));
  if (cols.length === 1) return { sql: `${cols[0]!.sql} ${op} ${values[0]!.sql}`, bindings: values[0]!.bindings };
  if (rowValues) {
    return { sql: `(${cols.map((c) => c.sql).join(', ')}) ${op} (${values.map((v) => v.sql).join(', ')})`, bindings: values.flatMap((v) => v.bindings) };
  }
  // a > x OR (a = x AND (b > y OR (b = y AND ...))); the last column uses `op` itself.
  const strict = op === '>' ? '>' : '<';
  const build = (i: number): SqlFragment => {
    const c = cols[i]!;
    const v = values[i]!;
    if (i === cols.length - 1) return { sql: `${c.sql} ${op} ${v.sql}`, bindings: v.bindings };
    const rest = build(i + 1);
    return { sql: `(${c.sql} ${strict} ${v.sql} OR (${c.sql} = ${v.sql} AND ${rest.sql}))`, bindings: [...v.bindings, ...v.bindings, ...rest.bindings] };
  };
  return build(0);
}

/**
 * `a = ? AND b = ?` for one key tuple. A UUID kept as text matches in lower or upper case
 * (case-sensitive collations store either).
 */
export function keyEqualsSql(cols: readonly KeyColumnSql[], key: KeyTuple): SqlFragment {
  const parts = cols.map((c, i) => {
    const text = key[i]!;
    if (c.spec.t === 'uuid' && c.column.family === 'string' && text.toUpperCase() !== text) {
      const lower = keyParam(c, text);
      return { sql: `(${c.sql} = ? OR ${c.sql} = ?)`, bindings: [lower, String(lower).toUpperCase()] };
    }
    const v = keyValueSql(c, text);
    return { sql: `${c.sql} = ${v.sql}`, bindings: v.bindings };
  });
  return { sql: parts.map((p) => p.sql).join(' AND '), bindings: parts.flatMap((p) => p.bindings) };
}
