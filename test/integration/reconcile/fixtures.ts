/**
 * Table pairs for reconcile tests: the same logical tables created natively on each engine,
 * filled with identical data, then given planted differences.
 */
import type { Knex } from 'knex';
import type { Store } from '../../../src/store/connect.js';
import { uniqueTable } from '../../helpers/databases.js';

type Engine = 'mysql' | 'postgres' | 'sqlite';

/** Logical column types → native DDL per engine. */
const TYPES: Record<string, Record<Engine, string>> = {
  bigint: { mysql: 'BIGINT', postgres: 'BIGINT', sqlite: 'INTEGER' },
  int: { mysql: 'INT', postgres: 'INTEGER', sqlite: 'INTEGER' },
  varchar: { mysql: 'VARCHAR(100)', postgres: 'VARCHAR(100)', sqlite: 'VARCHAR(100)' },
  char: { mysql: 'CHAR(10)', postgres: 'CHAR(10)', sqlite: 'CHAR(10)' },
  text: { mysql: 'TEXT', postgres: 'TEXT', sqlite: 'TEXT' },
  ts6: { mysql: 'DATETIME(6)', postgres: 'TIMESTAMP(6)', sqlite: 'DATETIME(6)' },
  ts3: { mysql: 'DATETIME(3)', postgres: 'TIMESTAMP(3)', sqlite: 'DATETIME(3)' },
  tstz3: { mysql: 'TIMESTAMP(3) NULL', postgres: 'TIMESTAMPTZ(3)', sqlite: 'TIMESTAMPTZ(3)' },
  decimal: { mysql: 'DECIMAL(12,2)', postgres: 'NUMERIC(12,2)', sqlite: 'DECIMAL(12,2)' },
  double: { mysql: 'DOUBLE', postgres: 'DOUBLE PRECISION', sqlite: 'REAL' },
  bool: { mysql: 'TINYINT(1)', postgres: 'BOOLEAN', sqlite: 'BOOLEAN' },
  json: { mysql: 'JSON', postgres: 'JSONB', sqlite: 'JSON' },
  bin: { mysql: 'VARBINARY(16)', postgres: 'BYTEA', sqlite: 'BLOB' },
  uuid: { mysql: 'CHAR(36)', postgres: 'UUID', sqlite: 'UUID' },
  date: { mysql: 'DATE', postgres: 'DATE', sqlite: 'DATE' },
};

/** A logical table. */
export interface TableDef {
  name: string;
  columns: Array<[string, keyof typeof TYPES]>;
  /** Per-side type overrides: column → logical type. */
  override?: Partial<Record<'legacy' | 'next', Record<string, keyof typeof TYPES>>>;
  key: string[];
}

/** Creates the table on a store (dropping any leftover). */
export async function createTable(store: Store, side: 'legacy' | 'next', def: TableDef): Promise<void> {
  const e = store.dialect.name;
  const q = (c: string): string => store.dialect.quoteIdent(c);
  const cols = def.columns.map(([c, t]) => `${q(c)} ${TYPES[def.override?.[side]?.[c] ?? t]![e]}`);
  await store.knex.raw(`DROP TABLE IF EXISTS ${q(def.name)}`);
  await store.knex.raw(`CREATE TABLE ${q(def.name)} (${cols.join(', ')}, PRIMARY KEY (${def.key.map(q).join(', ')}))`);
}

/** A value as this engine's driver takes it. */
export function engineValue(store: Store, v: unknown): unknown {
  if (typeof v === 'boolean') return store.dialect.name === 'postgres' ? v : v ? 1 : 0;
  return v;
}

/** Inserts rows in batches. */
export async function insertRows(store: Store, table: string, rows: Array<Record<string, unknown>>): Promise<void> {
  const mapped = rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, engineValue(store, v)])));
  for (let i = 0; i < mapped.length; i += 50) await store.knex(table).insert(mapped.slice(i, i + 50));
}

/** Drops tables, ignoring errors. */
export async function dropTables(store: Store, tables: readonly string[]): Promise<void> {
  for (const t of tables) await store.knex.raw(`DROP TABLE IF EXISTS ${store.dialect.quoteIdent(t)}`).catch(() => undefined);
}

/** Unique names for the planted-difference tables. */
export function plantedNames(): { types: string; composite: string; strings: string; uuids: string } {
  return { types: uniqueTable('rc_types'), composite: uniqueTable('rc_comp'), strings: uniqueTable('rc_str'), uuids: uniqueTable('rc_uuid') };
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** Row i of the all-types table (identical on both sides before planting). */
export function typesRow(i: number): Record<string, unknown> {
  const sec = i % 60;
  const min = Math.floor(i / 60) % 60;
  const uuid = `${pad(i, 8)}-aaaa-4bbb-8ccc-${pad(i, 12)}`;
  return {
    id: i,
    s: `s${i}`,
    fixed: `f${i % 7}`,
    t: `héllo ${i} 🌍 "quoted" | pipe`,
    ts6: `2024-03-01 10:${pad(min)}:${pad(sec)}.${pad(i, 6)}`,
    ts3: `2024-03-01 11:${pad(min)}:${pad(sec)}.${pad(i % 1000, 3)}`,
    tstz: `2024-03-02 12:${pad(min)}:${pad(sec)}.${pad(i % 1000, 3)}`,
    d: `${i}.${pad(i % 100)}`,
    f: i / 7,
    b: i % 2 === 0,
    j: `{"name": "n${i}", "tags": ["a", "b"], "price": 2.50, "nested": {"z": 1, "a": [1, 2.0]}}`,
    bin: Buffer.from([i % 256, 1, 2, 3]),
    u: uuid,
    dt: `2024-04-${pad((i % 28) + 1)}`,
  };
}

/** The all-types table definition (next keeps ts3 at microsecond precision). */
export function typesDef(name: string): TableDef {
  return {
    name,
    key: ['id'],
    columns: [
      ['id', 'bigint'],
      ['s', 'varchar'],
      ['fixed', 'char'],
      ['t', 'text'],
      ['ts6', 'ts6'],
      ['ts3', 'ts3'],
      ['tstz', 'tstz3'],
      ['d', 'decimal'],
      ['f', 'double'],
      ['b', 'bool'],
      ['j', 'json'],
      ['bin', 'bin'],
      ['u', 'uuid'],
      ['dt', 'date'],
    ],
    override: { next: { ts3: 'ts6' } },
  };
}

/** Runs `fn` with a knex for a side. */
export type SideKnex = (side: 'legacy' | 'next') => Knex;
