/** Runs one side's reconcile queries and decodes their results. */
import type { KeyTuple, SqlFragment } from '../store/canonical.js';
import { and, or, rangeSql, whereClause, type KeyRange, type SideSql } from './side-sql.js';

const MOD64 = 1n << 64n;

/** A range checksum: row count and hash sum mod 2^64. */
export interface Sum {
  count: bigint;
  hash: bigint;
}

/** The empty checksum. */
export const EMPTY_SUM: Sum = Object.freeze({ count: 0n, hash: 0n });

/** Reduces any integer text (signed or unsigned, any width) mod 2^64. */
export function mod64(text: unknown): bigint {
  if (text === null || text === undefined) return 0n;
  const v = BigInt(String(text).replace(/\.0+$/, '')) % MOD64;
  return v < 0n ? v + MOD64 : v;
}

/** Adds two sums. */
export function addSum(a: Sum, b: Sum): Sum {
  return { count: a.count + b.count, hash: (a.hash + b.hash) % MOD64 };
}

/** Equal checksums. */
export function sameSum(a: Sum | undefined, b: Sum | undefined): boolean {
  return (a?.count ?? 0n) === (b?.count ?? 0n) && (a?.hash ?? 0n) === (b?.hash ?? 0n);
}

/** A fetched row. */
export interface FetchedRow {
  /** Canonical key texts. */
  key: KeyTuple;
  /** JSON of `key`: the match id. */
  id: string;
  /** Compare value per compared column (canonical text; raw JSON text for JSON columns). */
  values: Array<string | null>;
  /** Raw float per compared column (undefined for non-float columns). */
  floats: Array<number | null | undefined>;
  /** Inside the user `where` (always true for rows fetched by range). */
  inScope: boolean;
  /** Changed after the updated-at bound. */
  recent: boolean;
}

/** Runs SQL and returns rows as arrays. On SQLite re-registers the user functions if needed. */
export async function select(s: SideSql, f: SqlFragment): Promise<unknown[][]> {
  const { knex, dialect } = s.store;
  try {
    return await dialect.keyset.selectArrays(knex, f.sql, f.bindings);
  } catch (err) {
    if (!/no such function: sy_/.test((err as Error).message)) throw err;
    await dialect.checksum.prepare(knex);
    return dialect.keyset.selectArrays(knex, f.sql, f.bindings);
  }
}

function text(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  return typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/** Checksum of a key range. */
export async function sumRange(s: SideSql, r: KeyRange): Promise<Sum> {
  const w = whereClause([rangeSql(s, r), s.filter]);
  const rows = await select(s, { sql: `SELECT ${s.sql.hashAggregate(s.rowText)} FROM ${s.table}${w.sql}`, bindings: w.bindings });
  const row = rows[0] ?? [0, null];
  return { count: BigInt(String(row[0] ?? 0)), hash: mod64(row[1]) };
}

/** Checksums of integer buckets `(key - base) / width` within a range. */
export async function sumBuckets(s: SideSql, r: KeyRange, base: bigint, width: bigint): Promise<Map<bigint, Sum>> {
  const k = s.keyCols[0]!.sql;
  const bucket = s.sql.intDiv(`${k} - ${base < 0n ? `(${base})` : base}`, width);
  const w = whereClause([rangeSql(s, r), s.filter]);
  const rows = await select(s, { sql: `SELECT ${bucket} AS sy_b, ${s.sql.hashAggregate(s.rowText)} FROM ${s.table}${w.sql} GROUP BY sy_b`, bindings: w.bindings });
  const out = new Map<bigint, Sum>();
  for (const row of rows) out.set(BigInt(String(row[0])), { count: BigInt(String(row[1] ?? 0)), hash: mod64(row[2]) });
  return out;
}

function keyOf(row: unknown[], n: number): KeyTuple {
  return row.slice(0, n).map((v) => text(v) ?? '');
}

/** The key `offset` rows after `after` (in this engine's key order), if there is one. */
export async function keyAtOffset(s: SideSql, after: KeyTuple | undefined, offset: number, through?: KeyTuple): Promise<KeyTuple | undefined> {
  const w = whereClause([rangeSql(s, { after, through }), s.filter]);
  const keySel = s.keyCols.map((c, i) => `${s.sql.canonical(c.sql, c.column, c.spec)} AS k${i}`).join(', ');
  const rows = await select(s, { sql: `SELECT ${keySel} FROM ${s.table}${w.sql} ORDER BY ${s.keyOrder} LIMIT 1 OFFSET ${Math.max(0, offset)}`, bindings: w.bindings });
  return rows[0] ? keyOf(rows[0], s.keyCols.length) : undefined;
}

/** Every `step`-th key of a range (bisection cut points), in key order. */
export async function cutPoints(s: SideSql, r: KeyRange, step: number): Promise<KeyTuple[]> {
  const w = whereClause([rangeSql(s, r), s.filter]);
  const keySel = s.keyCols.map((c, i) => `${s.sql.canonical(c.sql, c.column, c.spec)} AS k${i}`).join(', ');
  const inner = `SELECT ${keySel}, ROW_NUMBER() OVER (ORDER BY ${s.keyOrder}) AS sy_rn FROM ${s.table}${w.sql}`;
  const outer = s.keyCols.map((_, i) => `k${i}`).join(', ');
  const rows = await select(s, { sql: `SELECT ${outer} FROM (${inner}) sy_s WHERE sy_rn % ${Math.max(1, step)} = 0 ORDER BY sy_rn`, bindings: w.bindings });
  return rows.map((row) => keyOf(row, s.keyCols.length));
}

/** Smallest and largest key (canonical), or undefined for an empty table. */
export async function keyExtent(s: SideSql): Promise<{ min: KeyTuple; max: KeyTuple } | undefined> {
  const c = s.keyCols[0]!;
  const w = whereClause([s.filter]);
  const rows = await select(s, { sql: `SELECT ${s.sql.canonical(`MIN(${c.sql})`, c.column, c.spec)}, ${s.sql.canonical(`MAX(${c.sql})`, c.column, c.spec)} FROM ${s.table}${w.sql}`, bindings: w.bindings });
  const row = rows[0];
  if (!row || row[0] === null || row[0] === undefined) return undefined;
  return { min: [text(row[0])!], max: [text(row[1])!] };
}

function decodeRow(row: unknown[], s: SideSql, nColumns: number, floatIdx: readonly number[], flags: boolean): FetchedRow {
  const nk = s.keyCols.length;
  const key = keyOf(row, nk);
  const values = row.slice(nk, nk + nColumns).map(text);
  const floats: Array<number | null | undefined> = new Array(nColumns).fill(undefined);
  floatIdx.forEach((ci, j) => {
    const v = row[nk + nColumns + j];
    floats[ci] = v === null || v === undefined ? null : Number(v);
  });
  const base = nk + nColumns + floatIdx.length;
  return { key, id: JSON.stringify(key), values, floats, inScope: flags ? Number(row[base]) === 1 : true, recent: flags ? Number(row[base + 1]) === 1 : false };
}

/** Shape of the fetch select list. */
export interface FetchShape {
  nColumns: number;
  /** Indexes of float columns (their raw values follow the compare values). */
  floatIdx: readonly number[];
}

/** Rows of several ranges (with the side's filter), in key order. */
export async function fetchRanges(s: SideSql, shape: FetchShape, ranges: readonly KeyRange[]): Promise<FetchedRow[]> {
  const preds = ranges.map((r) => rangeSql(s, r) ?? { sql: '1 = 1', bindings: [] });
  const w = whereClause([preds.length ? or(preds) : undefined, s.filter]);
  const rows = await select(s, { sql: `SELECT ${s.fetchList} FROM ${s.table}${w.sql} ORDER BY ${s.keyOrder}`, bindings: w.bindings });
  return rows.map((row) => decodeRow(row, s, shape.nColumns, shape.floatIdx, false));
}

/** Rows by key, ignoring the filter but flagging scope and recency. */
export async function lookupKeys(s: SideSql, shape: FetchShape, keys: readonly KeyTuple[]): Promise<FetchedRow[]> {
  if (!keys.length) return [];
  const flag = (f: SqlFragment | undefined, whenTrue: string, whenFalse: string): SqlFragment => (f ? { sql: `CASE WHEN ${f.sql} THEN ${whenTrue} ELSE ${whenFalse} END`, bindings: f.bindings } : { sql: whenTrue === '1' ? '1' : '0', bindings: [] });
  const scope = flag(s.userWhere, '1', '0');
  const recent = flag(s.updatedBound, '0', '1');
  const match = or(keys.map((k) => s.sql.keyEquals(s.keyCols, k)));
  const sel = and([{ sql: `${s.fetchList}, ${scope.sql} AS sy_scope, ${recent.sql} AS sy_recent`, bindings: [...scope.bindings, ...recent.bindings] }])!;
  const rows = await select(s, { sql: `SELECT ${sel.sql} FROM ${s.table} WHERE ${match.sql}`, bindings: [...sel.bindings, ...match.bindings] });
  return rows.map((row) => decodeRow(row, s, shape.nColumns, shape.floatIdx, true));
}

/** A page of (key, raw JSON columns) rows of a range after `after`, for in-Node JSON hashing. */
export async function jsonPage(s: SideSql, r: KeyRange, after: KeyTuple | undefined, limit: number): Promise<Array<{ key: KeyTuple; json: Array<string | null> }>> {
  const w = whereClause([rangeSql(s, { ...r, after: after ?? r.after }), s.filter]);
  const rows = await select(s, { sql: `SELECT ${s.jsonList!} FROM ${s.table}${w.sql} ORDER BY ${s.keyOrder} LIMIT ${limit}`, bindings: w.bindings });
  const nk = s.keyCols.length;
  return rows.map((row) => ({ key: keyOf(row, nk), json: row.slice(nk).map(text) }));
}

/** Rows on this side (with the filter). */
export async function countRows(s: SideSql): Promise<number> {
  const w = whereClause([s.filter]);
  const rows = await select(s, { sql: `SELECT COUNT(*) FROM ${s.table}${w.sql}`, bindings: w.bindings });
  return Number(rows[0]?.[0] ?? 0);
}
