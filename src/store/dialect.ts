/**
 * What differs between engines. Each engine has one folder under `dialects/` with the same
 * file names; `index.ts` there assembles its {@link Dialect}. Nothing outside `dialects/`
 * branches on the engine name.
 */
import type { Knex } from 'knex';
import type { EngineName, StoreUrl } from './url.js';
import type { ColumnInfo, TableInfo } from './introspect.js';
import type { DialectValues } from './neutral.js';
import type { BulkLoad, DialectKeyset, DialectWrites } from './write-dialect.js';
import type { ChecksumSql } from './canonical.js';

/** The subset of a raw driver connection the dialects use. */
export type RawConnection = unknown;

/** Per-engine behaviour. */
export interface Dialect {
  /** Engine name. */
  readonly name: EngineName;
  /** The knex client name for this engine. */
  readonly knexClient: 'mysql2' | 'pg' | 'better-sqlite3';
  /** knex configuration for a parsed URL (pool sizes, session set-up: UTC time zone). */
  knexConfig(url: StoreUrl, options: { poolMax: number }): Knex.Config;
  /** Quotes an identifier (table or column name). */
  quoteIdent(name: string): string;
  /** Describes a table's columns and primary key; undefined when the table does not exist. */
  describeTable(knex: Knex, table: string): Promise<TableInfo | undefined>;
  /**
   * Takes a named lock that excludes other processes (advisory lock / GET_LOCK). Runs `fn`
   * while holding it. On SQLite the file itself serialises writers, so `fn` just runs.
   */
  withLock<T>(knex: Knex, name: string, fn: () => Promise<T>): Promise<T>;
  /** Value decoding/encoding and what the engine cannot store (`values.ts`). */
  readonly values: DialectValues;
  /** Guarded upserts and per-key locks (`upsert.ts`). */
  readonly writes: DialectWrites;
  /** Loads a backfill chunk (`bulk-load.ts`): COPY on PostgreSQL, multi-row upserts elsewhere. */
  readonly bulkLoad: BulkLoad;
  /** Keyset reads and row estimates (`keyset.ts`). */
  readonly keyset: DialectKeyset;
  /** Canonical text and checksum SQL for the reconciler (`checksum.ts`). */
  readonly checksum: ChecksumSql;
}

export type { ColumnInfo, TableInfo };
