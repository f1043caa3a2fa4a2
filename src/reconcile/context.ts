/** Per-table state shared by the checksum, bisection and diff steps. */
import { createLimiter, type Limiter } from './limiter.js';
import type { ResolvedOptions } from './options.js';
import type { TablePlan } from './plan.js';
import type { FetchShape } from './side.js';
import type { SideName } from './side-sql.js';

/** Counters of work done for one table. */
export interface WorkStats {
  checksumQueries: number;
  rowsFetched: number;
  checksumMs: number;
  diffMs: number;
}

/** What the steps of one table share. */
export interface TableContext {
  readonly plan: TablePlan;
  readonly opts: ResolvedOptions;
  readonly shape: FetchShape;
  /** Per-side query concurrency. */
  readonly limit: Record<SideName, Limiter>;
  readonly stats: WorkStats;
  /** Smallest key on either side (integer keys), fixed at the start. */
  extent?: { min: bigint; max: bigint };
  /** Integer keys: read segments in buckets right away (recent segments differed). */
  buckets: { on: boolean; cleanStreak: number };
}

/** Creates a table context. */
export function createTableContext(plan: TablePlan, opts: ResolvedOptions): TableContext {
  const floatIdx = plan.columns.flatMap((c, i) => (c.spec.t === 'float' ? [i] : []));
  const perSide = Math.max(2, opts.concurrency * 2);
  return {
    plan,
    opts,
    shape: { nColumns: plan.columns.length, floatIdx },
    limit: { legacy: createLimiter(perSide), next: createLimiter(perSide) },
    stats: { checksumQueries: 0, rowsFetched: 0, checksumMs: 0, diffMs: 0 },
    // The first segments are read in buckets: cheap when the table is clean (a few percent of
    // two segments), and no segment is read twice when differences are spread out.
    buckets: { on: true, cleanStreak: 0 },
  };
}

/** Throws the abort reason when the run was aborted. */
export function checkAborted(ctx: TableContext): void {
  const s = ctx.opts.signal;
  if (s?.aborted) throw s.reason instanceof Error ? s.reason : new Error('reconcile aborted');
}
