/**
 * The parts of a {@link Dialect} that dual writes and backfill use: guarded upserts, bulk
 * loading, keyset reads and per-key transaction locks. Each engine implements them in its
 * folder (`upsert.ts`, `bulk-load.ts`, `keyset.ts`, `values.ts`).
 */
import type { Knex } from 'knex';
import type { ColumnInfo } from './introspect.js';

/**
 * What an upsert does when the key already exists on the target:
 * - `overwrite`: replace the row;
 * - `keep-target`: leave it (insert missing rows only);
 * - `version`: replace it only when the incoming version column is newer (`allowEqual`: or equal);
 *   a NULL version on the target counts as oldest.
 */
export type UpsertGuard = { t: 'overwrite' } | { t: 'keep-target' } | { t: 'version'; column: string; allowEqual: boolean };

/** A multi-row upsert's shape. */
export interface UpsertSpec {
  /** Physical table. */
  table: string;
  /** Columns written, in bind order. */
  columns: readonly string[];
  /** Key columns (a subset of `columns`). */
  key: readonly string[];
  /** Conflict behaviour. */
  guard: UpsertGuard;
}

/** How the PostgreSQL bulk path loads a chunk (other engines always use `insert`). */
export type BulkLoadMethod = 'copy' | 'copy-staging' | 'insert';

/** Result of loading one chunk. */
export interface BulkLoadResult {
  /** The method that actually wrote the rows (`copy` falls back to `copy-staging` on a key conflict). */
  method: BulkLoadMethod;
}

/** Loads encoded rows (bind values in `spec.columns` order) in one transaction. */
export type BulkLoad = (knex: Knex, spec: UpsertSpec, columns: readonly ColumnInfo[], rows: readonly unknown[][], method: BulkLoadMethod) => Promise<BulkLoadResult>;

/** Engine SQL for writes. */
export interface DialectWrites {
  /** Most bind parameters one statement may carry. */
  readonly maxBindings: number;
  /**
   * The connection accepts several statements in one query (MySQL/MariaDB with
   * `multipleStatements`): a transaction's statements can share one round trip.
   */
  readonly multiStatement: boolean;
  /** SQL of a guarded upsert of `rowCount` rows with `?` placeholders, row-major. */
  upsertSql(spec: UpsertSpec, rowCount: number): string;
  /**
   * SQL of the same upsert taking one array per column (`?` placeholders, one per column, in
   * `spec.columns` order) — one statement of constant size however many rows (PostgreSQL:
   * `INSERT … SELECT FROM unnest(…)`). Undefined where the engine or a column's type cannot
   * (then {@link upsertSql} is used).
   */
  columnarUpsertSql?(spec: UpsertSpec, columns: readonly ColumnInfo[]): string | undefined;
  /**
   * Takes locks on `names` held until the transaction ends (PostgreSQL advisory xact locks, in
   * a fixed order so concurrent transactions cannot deadlock on them) so writes to one key,
   * including deletes of absent rows, serialise. A no-op where row and gap locks already do
   * that (InnoDB) or the database has one writer (SQLite).
   */
  lockKeys(trx: Knex.Transaction, names: readonly string[]): Promise<void>;
}

/** Engine SQL for keyset reads. */
export interface DialectKeyset {
  /** Runs a SELECT and returns its rows as arrays in select-list order. */
  selectArrays(knex: Knex, sql: string, bindings: readonly unknown[]): Promise<unknown[][]>;
  /** A cheap row-count estimate for progress (statistics, not COUNT(*), where available). */
  estimateRows(knex: Knex, table: string): Promise<number>;
}
