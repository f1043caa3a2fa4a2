/**
 * Plans a table pair: describes both sides, validates key and columns (one clear error naming
 * what is wrong), pairs every column with its canonical rendering, and builds each side's SQL.
 */
import { fail } from '../errors.js';
import type { CanonSpec } from '../store/canonical.js';
import type { Store } from '../store/connect.js';
import { findColumn, type ColumnInfo, type TableInfo } from '../store/introspect.js';
import { keyPairingProblem, pairColumns, type Pairing } from './normalization.js';
import { createSideSql, type SideName, type SideSql } from './side-sql.js';

/** One compared column (or key column) with both sides' descriptions. */
export interface ColumnPlan {
  name: string;
  legacy: ColumnInfo;
  next: ColumnInfo;
  spec: CanonSpec;
  hashed: Pairing['hashed'];
  rule: string;
  floatTolerance?: number;
}

/** What to compare for one table. */
export interface TableRequest {
  /** Table name on legacy. */
  table: string;
  /** Table name on next. Default: the same. */
  nextTable?: string;
  /** Key columns. Default: legacy's primary key. */
  key?: string[];
  /** Columns to compare. Default: every non-key column present on both sides. */
  columns?: string[];
  /** SQL predicate applied on both sides. */
  where?: string;
  /** Updated-at column: rows changed after `cutoffUtc` on either side are skipped. */
  updatedAt?: { column: string; cutoffUtc: string };
}

/** The plan of one table pair. */
export interface TablePlan {
  table: string;
  nextTable: string;
  key: ColumnPlan[];
  columns: ColumnPlan[];
  notCompared: { legacyOnly: string[]; nextOnly: string[] };
  legacy: SideSql;
  next: SideSql;
  /** A single integer key: segments are checked in integer buckets. */
  intKey: boolean;
  /** JSON columns hashed in Node. */
  nodeJson: ColumnPlan[];
}

/** Float settings. */
export interface FloatSettings {
  floatDigits?: number;
  floatTolerance?: number;
}

async function describe(store: Store, table: string, side: SideName): Promise<TableInfo> {
  const info = await store.dialect.describeTable(store.knex, table);
  if (!info) throw fail('STORE_UNKNOWN_TABLE', `table "${table}" does not exist in ${side} (${store.url.redacted})`, { details: { table, side } });
  return info;
}

function column(info: TableInfo, name: string, side: SideName, store: Store, what: string): ColumnInfo {
  const c = findColumn(info, name);
  if (!c) throw fail('STORE_UNKNOWN_COLUMN', `${what} column "${name}" does not exist in ${side} table "${info.name}" (${store.url.redacted})`, { details: { table: info.name, column: name, side } });
  return c;
}

function pair(name: string, l: ColumnInfo, n: ColumnInfo, stores: { legacy: Store; next: Store }, table: string, floats: FloatSettings): ColumnPlan {
  const p = pairColumns(l, n, {
    sameEngine: stores.legacy.dialect.name === stores.next.dialect.name,
    nativeJson: stores.legacy.dialect.checksum.nativeJson && stores.next.dialect.checksum.nativeJson,
    floatBits: { legacy: stores.legacy.dialect.checksum.floatBits(l), next: stores.next.dialect.checksum.floatBits(n) },
    fixedWidth: stores.legacy.dialect.checksum.fixedWidth(l) || stores.next.dialect.checksum.fixedWidth(n),
    floatDigits: floats.floatDigits,
    floatTolerance: floats.floatTolerance,
  });
  if ('error' in p) {
    throw fail('RECONCILE_INCOMPATIBLE_TYPES', `table "${table}" column "${name}": ${p.error} (legacy ${l.nativeType}, next ${n.nativeType})`, { details: { table, column: name, legacyType: l.nativeType, nextType: n.nativeType } });
  }
  return { name, legacy: l, next: n, spec: p.spec, hashed: p.hashed, rule: p.rule, floatTolerance: p.floatTolerance };
}

async function checkUnique(store: Store, side: SideName, info: TableInfo, key: ColumnInfo[]): Promise<void> {
  const names = key.map((k) => k.name);
  const unique = [info.primaryKey, ...(await store.dialect.checksum.uniqueKeys(store.knex, info.name))].filter((u) => u.length > 0);
  const covered = unique.some((u) => u.every((c) => names.includes(c)));
  const q = (c: string): string => store.dialect.quoteIdent(c);
  const cols = names.map(q).join(', ');
  const nullable = key.filter((k) => k.nullable && !info.primaryKey.includes(k.name));
  if (nullable.length) {
    const rows = await store.dialect.keyset.selectArrays(store.knex, `SELECT 1 FROM ${q(info.name)} WHERE ${nullable.map((k) => `${q(k.name)} IS NULL`).join(' OR ')} LIMIT 1`, []);
    if (rows.length) throw fail('RECONCILE_KEY_NOT_UNIQUE', `key (${names.join(', ')}) of ${side} table "${info.name}" has rows with a NULL key`, { details: { table: info.name, side, key: names } });
  }
  if (covered) return;
  const rows = await store.dialect.keyset.selectArrays(store.knex, `SELECT ${cols} FROM ${q(info.name)} GROUP BY ${cols} HAVING COUNT(*) > 1 LIMIT 1`, []);
  if (rows.length) {
    throw fail('RECONCILE_KEY_NOT_UNIQUE', `key (${names.join(', ')}) is not unique in ${side} table "${info.name}": ${JSON.stringify(rows[0])} appears more than once`, {
      details: { table: info.name, side, key: names },
      hint: 'pass --key with the columns of a primary key or unique index',
    });
  }
}

/** Plans one table pair. Throws STORE_UNKNOWN_TABLE/COLUMN, STORE_NO_KEY, RECONCILE_* errors. */
export async function planTable(stores: { legacy: Store; next: Store }, req: TableRequest, floats: FloatSettings = {}): Promise<TablePlan> {
  const nextTable = req.nextTable ?? req.table;
  const [li, ni] = await Promise.all([describe(stores.legacy, req.table, 'legacy'), describe(stores.next, nextTable, 'next')]);
  const keyNames = req.key?.length ? req.key : li.primaryKey.length ? li.primaryKey : ni.primaryKey;
  if (!keyNames.length) throw fail('STORE_NO_KEY', `table "${req.table}" has no primary key on either side`, { hint: 'pass --key with the columns that identify a row', details: { table: req.table } });
  const key = keyNames.map((k) => {
    const p = pair(k, column(li, k, 'legacy', stores.legacy, 'key'), column(ni, k, 'next', stores.next, 'key'), stores, req.table, floats);
    const problem = keyPairingProblem(p.legacy, p.next, p);
    if (problem) throw fail('RECONCILE_INCOMPATIBLE_TYPES', `table "${req.table}" key column "${k}": ${problem}`, { details: { table: req.table, column: k } });
    return { ...p, name: p.legacy.name };
  });
  await Promise.all([checkUnique(stores.legacy, 'legacy', li, key.map((k) => k.legacy)), checkUnique(stores.next, 'next', ni, key.map((k) => k.next))]);
  const isKey = (name: string): boolean => key.some((k) => k.legacy.name.toLowerCase() === name.toLowerCase());
  const names = req.columns?.length ? req.columns.filter((c) => !isKey(c)) : li.columns.map((c) => c.name).filter((c) => !isKey(c) && findColumn(ni, c));
  const columns = names.map((c) => {
    const p = pair(c, column(li, c, 'legacy', stores.legacy, 'compared'), column(ni, c, 'next', stores.next, 'compared'), stores, req.table, floats);
    return { ...p, name: p.legacy.name };
  });
  const notCompared = req.columns?.length
    ? { legacyOnly: [], nextOnly: [] }
    : { legacyOnly: li.columns.filter((c) => !findColumn(ni, c.name)).map((c) => c.name), nextOnly: ni.columns.filter((c) => !findColumn(li, c.name)).map((c) => c.name) };
  const updated = req.updatedAt
    ? (['legacy', 'next'] as const).map((side) => {
        const info = side === 'legacy' ? li : ni;
        const c = column(info, req.updatedAt!.column, side, stores[side], 'updated-at');
        if (c.family !== 'datetime' && c.family !== 'timestamptz') {
          throw fail('RECONCILE_INCOMPATIBLE_TYPES', `updated-at column "${c.name}" of ${side} table "${info.name}" is ${c.nativeType}, not a date-time`, { details: { table: info.name, column: c.name } });
        }
        return c;
      })
    : undefined;
  const side = (name: SideName, table: string, i: number): SideSql =>
    createSideSql({ name, store: stores[name], table, key, columns, where: req.where, updatedAt: updated ? { column: updated[i]!, cutoffUtc: req.updatedAt!.cutoffUtc } : undefined });
  const intKey = key.length === 1 && key[0]!.spec.t === 'integer' && key[0]!.legacy.family === 'integer' && key[0]!.next.family === 'integer';
  return {
    table: req.table,
    nextTable,
    key,
    columns,
    notCompared,
    legacy: side('legacy', req.table, 0),
    next: side('next', nextTable, 1),
    intKey,
    nodeJson: columns.filter((c) => c.hashed === 'in-node'),
  };
}
