import { afterAll, beforeAll } from 'vitest';
/**
 * Engine pairs for the shared datastore suite, and the table helpers it uses: one logical
 * column type list rendered as DDL for each engine, and value normalisation for comparing
 * rows across engines (independent of the code under test).
 */
import { openStore, type Store } from '../../../src/store/connect.js';
import type { EngineName } from '../../../src/store/url.js';
import { MYSQL_URL, POSTGRES_URL, requireDatabase, tempSqliteUrl } from '../../helpers/databases.js';

/** A legacy → next pair. */
export interface EnginePair {
  name: string;
  legacy: EngineName;
  next: EngineName;
}

export const PAIRS = {
  mysqlToPostgres: { name: 'mysql → postgres', legacy: 'mysql', next: 'postgres' },
  postgresToMysql: { name: 'postgres → mysql', legacy: 'postgres', next: 'mysql' },
  sqliteToSqlite: { name: 'sqlite → sqlite', legacy: 'sqlite', next: 'sqlite' },
} as const satisfies Record<string, EnginePair>;

/** A URL for an engine (SQLite: a fresh file). */
export function urlFor(engine: EngineName, name: string): string {
  return engine === 'mysql' ? MYSQL_URL : engine === 'postgres' ? POSTGRES_URL : tempSqliteUrl(name);
}

/** True when the pair's servers are reachable (throws under CI when not). */
export async function pairAvailable(pair: EnginePair): Promise<boolean> {
  for (const e of [pair.legacy, pair.next]) if (e !== 'sqlite' && !(await requireDatabase(urlFor(e, '')))) return false;
  return true;
}

/** Logical column types. */
export type ColType = 'int' | 'bigint' | 'ubigint' | 'str32' | 'str64' | 'key40' | 'text' | 'dt3' | 'dt6' | 'ts6' | 'dec12_2' | 'dec12_4' | 'bool' | 'json' | 'bin' | 'uuid';

const TYPES: Record<EngineName, Record<ColType, string>> = {
  mysql: { int: 'int', bigint: 'bigint', ubigint: 'bigint unsigned', str32: 'varchar(32)', str64: 'varchar(64)', key40: 'varchar(40)', text: 'text', dt3: 'datetime(3)', dt6: 'datetime(6)', ts6: 'timestamp(6) null', dec12_2: 'decimal(12,2)', dec12_4: 'decimal(12,4)', bool: 'tinyint(1)', json: 'json', bin: 'varbinary(64)', uuid: 'uuid' },
  postgres: { int: 'integer', bigint: 'bigint', ubigint: 'numeric(20,0)', str32: 'varchar(32)', str64: 'varchar(64)', key40: 'varchar(40)', text: 'text', dt3: 'timestamp(3)', dt6: 'timestamp(6)', ts6: 'timestamptz(6)', dec12_2: 'numeric(12,2)', dec12_4: 'numeric(12,4)', bool: 'boolean', json: 'jsonb', bin: 'bytea', uuid: 'uuid' },
  sqlite: { int: 'integer', bigint: 'bigint', ubigint: 'decimal(20,0)', str32: 'varchar(32)', str64: 'varchar(64)', key40: 'varchar(40)', text: 'text', dt3: 'datetime(3)', dt6: 'datetime(6)', ts6: 'timestamptz(6)', dec12_2: 'decimal(12,2)', dec12_4: 'decimal(12,4)', bool: 'boolean', json: 'json', bin: 'blob', uuid: 'uuid' },
};

/** Creates a table from logical columns (first `keyCount` columns form the primary key). */
export async function createTable(store: Store, table: string, cols: ReadonlyArray<readonly [string, ColType, 'null'?]>, keyCount = 1): Promise<void> {
  const q = (n: string): string => store.dialect.quoteIdent(n);
  const defs = cols.map(([n, t, nul], i) => `${q(n)} ${TYPES[store.dialect.name][t]}${i < keyCount ? ' not null' : nul ? (TYPES[store.dialect.name][t].endsWith(' null') ? '' : ' null') : ' not null'}`);
  const pk = cols.slice(0, keyCount).map(([n]) => q(n)).join(', ');
  await store.knex.raw(`create table ${q(table)} (${defs.join(', ')}, primary key (${pk}))`);
}

/** Drops a table if it exists. */
export async function dropTable(store: Store, table: string): Promise<void> {
  await store.knex.schema.dropTableIfExists(table);
}

/** Opens both stores of a pair. */
export async function openPair(pair: EnginePair, tag: string): Promise<{ legacy: Store; next: Store; legacyUrl: string; nextUrl: string }> {
  const legacyUrl = urlFor(pair.legacy, `${tag}-legacy`);
  const nextUrl = urlFor(pair.next, `${tag}-next`);
  return { legacy: await openStore(legacyUrl, { label: 'legacy' }), next: await openStore(nextUrl, { label: 'next' }), legacyUrl, nextUrl };
}

function sortedJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(sortedJson).join(',')}]`;
  if (v && typeof v === 'object') return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${sortedJson((v as Record<string, unknown>)[k])}`).join(',')}}`;
  return JSON.stringify(v);
}

/** Canonical text of a value of a logical type, as read by any driver. */
export function normalise(type: ColType, v: unknown): string {
  if (v === null || v === undefined) return 'NULL';
  switch (type) {
    case 'bool':
      return v === true || v === 1 || v === '1' || v === 't' ? 'true' : 'false';
    case 'json':
      return sortedJson(typeof v === 'string' ? JSON.parse(v) : v);
    case 'bin':
      return Buffer.from(v as Uint8Array).toString('hex');
    case 'dt3':
    case 'dt6':
    case 'ts6': {
      const s = v instanceof Date ? v.toISOString().replace('T', ' ').replace('Z', '') : String(v).replace(/(\+00(:00)?|Z)$/, '');
      return s.replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');
    }
    case 'dec12_2':
    case 'dec12_4':
    case 'ubigint': {
      const s = String(v);
      return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
    }
    case 'uuid':
      return String(v).toLowerCase();
    default:
      return String(v);
  }
}

/** All rows of a table as normalised text lines, sorted. */
export async function snapshot(store: Store, table: string, cols: ReadonlyArray<readonly [string, ColType, 'null'?]>): Promise<string[]> {
  const rows = (await store.knex(table).select(cols.map(([n]) => n))) as Record<string, unknown>[];
  return rows.map((r) => cols.map(([n, t]) => normalise(t, r[n])).join(' | ')).sort();
}

/** Both stores of a pair for one `describe` block: opened before its tests, closed after. */
export interface OpenedPair {
  /** False when a server of the pair is unreachable (outside CI the tests then return early). */
  ok: boolean;
  legacy: Store;
  next: Store;
  legacyUrl: string;
  nextUrl: string;
}

/** Registers `beforeAll`/`afterAll` that open and close the pair's stores; read the fields inside tests. */
export function usePair(pair: EnginePair, tag: string): OpenedPair {
  const p = { ok: false } as OpenedPair;
  beforeAll(async () => {
    p.ok = await pairAvailable(pair);
    if (p.ok) Object.assign(p, await openPair(pair, tag));
  });
  afterAll(async () => {
    await p.legacy?.close();
    await p.next?.close();
  });
  return p;
}
