/** Options of {@link runReconcile}, validated once at the edge and frozen. */
import { z } from 'zod';
import { defaultControlUrl } from '../control/control-db.js';
import { fail } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import { silentLogger } from '../observability/logger.js';
import type { Store } from '../store/connect.js';

/** One table to reconcile, with per-table overrides of the run-wide options. */
export interface TableSpec {
  /** Table name on legacy. */
  table: string;
  /** Table name on next. Default: the same as `table`. */
  nextTable?: string;
  /** Key columns. Default: `options.key`, else legacy's primary key. */
  key?: string[];
  /** Columns to compare. Default: `options.columns`, else every column on both sides. */
  columns?: string[];
  /** SQL predicate (valid on both engines) limiting the rows compared. Default: `options.where`. */
  where?: string;
  /** Updated-at column. Default: `options.updatedAtColumn`. */
  updatedAtColumn?: string;
}

/** Options for {@link runReconcile}. */
export interface ReconcileOptions {
  /** Legacy datastore: URL (`env:NAME` allowed) or an open store (not closed by the run). */
  legacy: string | Store;
  /** Next datastore: URL or an open store. */
  next: string | Store;
  /** Tables to compare, in order. */
  tables: Array<string | TableSpec>;
  /** Key columns for every table. Default: each table's primary key. */
  key?: string[];
  /** Columns to compare for every table. Default: all columns present on both sides. */
  columns?: string[];
  /** SQL predicate applied on both sides. Default: none. */
  where?: string;
  /** Updated-at column: rows changed after `updatedBefore` on either side are skipped. Default: none. */
  updatedAtColumn?: string;
  /** Upper bound for the updated-at column, UTC `YYYY-MM-DD HH:MM:SS[.ffffff]`. Default: the run's start. */
  updatedBefore?: string;
  /** Copy the source of truth onto the other side, then re-verify the repaired keys. Default false. */
  repair?: boolean;
  /** Source of truth for repair. Default `legacy`. */
  truth?: 'legacy' | 'next';
  /** With `repair`: compute the SQL and hand it to `onRepairSql` without running it. Default false. */
  dryRun?: boolean;
  /** Receives each repair statement (with values inlined) in dry-run mode. Default: ignored. */
  onRepairSql?: (sql: string) => void;
  /** Rows per top-level segment (counted on legacy). Default 100000. */
  segmentRows?: number;
  /** Target rows per bucket when a segment with an integer key is checked in buckets. Default 16. */
  bucketRows?: number;
  /** A differing range of at most this many rows is fetched and compared row by row. Default 1000. */
  fetchRows?: number;
  /** Sub-ranges per bisection step (non-integer keys). Default 16. */
  fanout?: number;
  /** Segments checked at once (each runs one query per side). Default 2. */
  concurrency?: number;
  /** Delay before a difference is looked up again on both sides (0: at once). Default 1000 ms. */
  recheckDelayMs?: number;
  /** Significant digits of floats in the hash. Default 15 (6 when a side is single precision). */
  floatDigits?: number;
  /** Relative float tolerance for row comparison. Default 10^(1 - floatDigits). */
  floatTolerance?: number;
  /** Mismatches kept as samples per table (counts are always exact). Default 20. */
  sampleLimit?: number;
  /** Rows per repair statement. Default 500. */
  repairBatchRows?: number;
  /** Pause between segments, to limit load on production databases. Default 0 ms. */
  pauseBetweenSegmentsMs?: number;
  /** Control database (URL or open store), or `false` for none (no resume, nothing stored). Default: `sqlite://.switchyard/control.db`. */
  control?: string | Store | false;
  /** Migration name recorded with the run (the rollout gates filter by it). Default ''. */
  migration?: string;
  /** Stage name recorded with the run. Default ''. */
  stage?: string;
  /** Resume an interrupted run: its id, or `latest` for the latest unfinished run with the same parameters. Default: start a new run. */
  resume?: number | 'latest';
  /** Write report.json, report.md and report.html to this folder. Default: none. */
  reportDir?: string;
  /** Logger. Default: silent. */
  logger?: Logger;
  /** Progress bar on a TTY / progress logs. Default false (the CLI turns it on). */
  progress?: boolean;
  /** Aborts the run between queries. */
  signal?: AbortSignal;
}

/** Options after validation, with defaults filled in. */
export type ResolvedOptions = Readonly<
  Required<Omit<ReconcileOptions, 'key' | 'columns' | 'where' | 'updatedAtColumn' | 'updatedBefore' | 'floatDigits' | 'floatTolerance' | 'reportDir' | 'resume' | 'signal' | 'onRepairSql' | 'tables'>> & {
    tables: readonly TableSpec[];
    key?: string[];
    columns?: string[];
    where?: string;
    updatedAtColumn?: string;
    updatedBefore?: string;
    floatDigits?: number;
    floatTolerance?: number;
    reportDir?: string;
    resume?: number | 'latest';
    signal?: AbortSignal;
    onRepairSql?: (sql: string) => void;
  }
>;

/** Defaults. */
export const DEFAULTS = Object.freeze({
  segmentRows: 100_000,
  bucketRows: 16,
  fetchRows: 1_000,
  fanout: 16,
  concurrency: 2,
  recheckDelayMs: 1_000,
  sampleLimit: 20,
  repairBatchRows: 500,
  pauseBetweenSegmentsMs: 0,
});

const name = z.string().min(1);
const posInt = (max: number) => z.number().int().min(1).max(max);
const schema = z.object({
  tables: z.array(z.union([name, z.object({ table: name, nextTable: name.optional(), key: z.array(name).min(1).optional(), columns: z.array(name).min(1).optional(), where: name.optional(), updatedAtColumn: name.optional() })])).min(1),
  key: z.array(name).min(1).optional(),
  columns: z.array(name).min(1).optional(),
  where: name.optional(),
  updatedAtColumn: name.optional(),
  updatedBefore: z.string().regex(/^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d{1,6})?$/, 'expected UTC YYYY-MM-DD HH:MM:SS[.ffffff]').optional(),
  truth: z.enum(['legacy', 'next']).optional(),
  segmentRows: posInt(100_000_000).optional(),
  bucketRows: posInt(1_000_000).optional(),
  fetchRows: posInt(1_000_000).optional(),
  fanout: z.number().int().min(2).max(1024).optional(),
  concurrency: posInt(64).optional(),
  recheckDelayMs: z.number().int().min(0).max(3_600_000).optional(),
  floatDigits: z.number().int().min(1).max(15).optional(),
  floatTolerance: z.number().min(0).max(1).optional(),
  sampleLimit: z.number().int().min(0).max(100_000).optional(),
  repairBatchRows: posInt(100_000).optional(),
  pauseBetweenSegmentsMs: z.number().int().min(0).max(3_600_000).optional(),
  resume: z.union([z.number().int().min(1), z.literal('latest')]).optional(),
});

/** Validates options (INVALID_ARGUMENT naming the field) and fills defaults. */
export function resolveOptions(options: ReconcileOptions): ResolvedOptions {
  const parsed = schema.safeParse({ ...options, legacy: undefined, next: undefined, logger: undefined, signal: undefined, control: undefined, onRepairSql: undefined });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw fail('INVALID_ARGUMENT', `reconcile option ${issue.path.join('.') || '(root)'}: ${issue.message}`, { details: { path: issue.path.join('.') } });
  }
  if (options.dryRun && !options.repair) throw fail('INVALID_ARGUMENT', 'reconcile option dryRun needs repair');
  const tables = options.tables.map((t) => (typeof t === 'string' ? { table: t } : t));
  return Object.freeze({
    ...DEFAULTS,
    ...stripUndefined(options),
    tables,
    repair: options.repair ?? false,
    truth: options.truth ?? 'legacy',
    dryRun: options.dryRun ?? false,
    control: options.control ?? defaultControlUrl(),
    migration: options.migration ?? '',
    stage: options.stage ?? '',
    logger: options.logger ?? silentLogger,
    progress: options.progress ?? false,
  }) as ResolvedOptions;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
