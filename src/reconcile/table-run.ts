/**
 * Reconciles one table: segments of `segmentRows` rows (bounds found on legacy with a keyset
 * OFFSET query, one segment ahead of the workers), `concurrency` segments checked at once,
 * differences re-checked after the delay without holding a worker, optional repair, and
 * segments committed in order — mismatches and checkpoint in one transaction.
 */
import type { Knex } from 'knex';
import { commitCheckpoint, type Checkpoint, type NewMismatch } from '../control/reconcile-runs.js';
import { createProgress, type Progress } from '../observability/progress.js';
import type { KeyTuple } from '../store/canonical.js';
import { checkSegment } from './bisect.js';
import { createTableContext, type TableContext } from './context.js';
import { sleep } from './limiter.js';
import type { ResolvedOptions } from './options.js';
import type { TablePlan } from './plan.js';
import { repairMismatches } from './repair.js';
import type { Mismatch } from './report/types.js';
import { settle, verifyKeys } from './settle.js';
import { countRows, keyAtOffset, keyExtent } from './side.js';
import type { KeyRange } from './side-sql.js';
import { applySegment, countByKind, initialState, type SegmentResult, type TableState } from './table-state.js';

/** Where a table's progress is persisted (absent: nothing is stored). */
export interface TableControl {
  db: Knex;
  runId: number;
}

/** Input of {@link runTable}. */
export interface TableRunInput {
  plan: TablePlan;
  opts: ResolvedOptions;
  control?: TableControl;
  /** Checkpoint of an interrupted run of this table. */
  checkpoint?: Checkpoint;
  /** Position among the run's tables, for progress (`2/5`). */
  position: string;
}

interface Segment {
  index: number;
  range: KeyRange;
}

function deferred<T>(): { promise: Promise<T>; resolve: (v: T | Promise<T>) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T | Promise<T>) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

async function extentBoth(ctx: TableContext): Promise<{ min: bigint; max: bigint } | undefined> {
  const [l, n] = await Promise.all([keyExtent(ctx.plan.legacy), keyExtent(ctx.plan.next)]);
  const all = [l, n].filter((e): e is NonNullable<typeof e> => e !== undefined);
  if (!all.length) return undefined;
  const mins = all.map((e) => BigInt(e.min[0]!));
  const maxs = all.map((e) => BigInt(e.max[0]!));
  return { min: mins.reduce((a, b) => (a < b ? a : b)), max: maxs.reduce((a, b) => (a > b ? a : b)) };
}

/** Differing keys (found, not yet committed) above which no new segment starts. */
const MAX_PENDING_SUSPECTS = 50_000;

const keysOf = (ctx: TableContext, ms: readonly Mismatch[]): KeyTuple[] => ms.map((m) => ctx.plan.key.map((k) => m.key[k.name]!));

/** Re-check, then repair and re-verify, one segment's differences. */
async function finishSegment(ctx: TableContext, through: KeyTuple | null, found: Awaited<ReturnType<typeof checkSegment>>, foundAtMs: number): Promise<SegmentResult> {
  const t0 = performance.now();
  const s = await settle(ctx, found.suspects, foundAtMs);
  const result: SegmentResult = { through, suspects: found.suspects.length, rows: found.rows, differing: found.differing, mismatches: s.mismatches, settled: s.settled, recent: s.recent, remaining: countByKind(s.mismatches), repair: null, recheckMs: performance.now() - t0, repairMs: 0 };
  if (ctx.opts.repair && s.mismatches.length) {
    const t1 = performance.now();
    const counts = await repairMismatches(ctx, s.mismatches);
    let still = s.mismatches.length;
    let verified = 0;
    if (!ctx.opts.dryRun) {
      const keys = keysOf(ctx, s.mismatches);
      const again = (await verifyKeys(ctx, keys)).mismatches;
      still = again.length;
      verified = keys.length;
      result.remaining = countByKind(again);
    }
    result.repair = { ...counts, verified, stillMismatched: still };
    result.repairMs = performance.now() - t1;
  }
  return result;
}

function toStored(table: string, m: Mismatch): NewMismatch {
  return { table, key: m.key, kind: m.kind, columns: m.columns.map((c) => c.column), legacy: m.kind === 'changed' ? Object.fromEntries(m.columns.map((c) => [c.column, c.legacy])) : m.legacy, next: m.kind === 'changed' ? Object.fromEntries(m.columns.map((c) => [c.column, c.next])) : m.next };
}

/** Runs one table to the end; returns its final totals. Throws on a database error. */
export async function runTable(input: TableRunInput): Promise<TableState> {
  const { plan, opts, control } = input;
  const state: TableState = input.checkpoint ? (input.checkpoint.state as unknown as TableState) : initialState();
  if (input.checkpoint?.status === 'done') return state;
  const ctx = createTableContext(plan, opts);
  const started = performance.now();
  if (plan.intKey) ctx.extent = await extentBoth(ctx);
  const estimate = await plan.legacy.store.dialect.keyset.estimateRows(plan.legacy.store.knex, plan.table).catch(() => 0);
  const progress: Progress | undefined = opts.progress ? createProgress({ label: `reconcile table ${input.position} ${plan.table}`, unit: 'rows', total: estimate, logger: opts.logger, barSuffix: ' | {segments} segments | {mismatches} mismatches' }) : undefined;
  let progressed = 0;
  let progressTotal = estimate;
  progress?.increment(0, { segments: state.segmentsDone, mismatches: state.missingInNext + state.extraInNext + state.changed });
  const repairMode = opts.repair ? { truth: opts.truth, dryRun: opts.dryRun } : null;

  let after: KeyTuple | undefined = state.afterKey ?? undefined;
  let boundsSide: 'legacy' | 'next' = 'legacy';
  let pendingSuspects = 0;
  let exhausted = false;
  let produced = state.segmentsDone;
  let committed = state.segmentsDone;
  let failure: unknown;
  let producer: Promise<unknown> = Promise.resolve();
  let commitChain: Promise<void> = Promise.resolve();
  let capacity = deferred<void>();
  const maxPending = opts.concurrency * 4;

  const commit = async (r: SegmentResult): Promise<void> => {
    applySegment(state, r, opts.sampleLimit, repairMode);
    if (control) {
      await commitCheckpoint(control.db, control.runId, { table: plan.table, status: 'running', segmentsDone: state.segmentsDone, state: state as unknown as Record<string, unknown> }, r.mismatches.map((m) => toStored(plan.table, m)));
    }
    committed++;
    pendingSuspects -= r.suspects;
    progressed += Math.max(r.rows.legacy, r.rows.next);
    if (progressed > progressTotal) progress?.setTotal((progressTotal = progressed));
    progress?.increment(Math.max(r.rows.legacy, r.rows.next), { segments: state.segmentsDone, mismatches: state.missingInNext + state.extraInNext + state.changed });
    capacity.resolve();
    capacity = deferred<void>();
  };

  const produce = async (): Promise<{ seg: Segment; done: ReturnType<typeof deferred<SegmentResult>> } | undefined> => {
    if (exhausted || failure) return undefined;
    let through = boundsSide === 'legacy' ? await ctx.limit.legacy.run(() => keyAtOffset(plan.legacy, after, opts.segmentRows - 1)) : undefined;
    // Past legacy's last key, next may still hold many rows: bound those segments on next.
    if (!through) {
      boundsSide = 'next';
      through = await ctx.limit.next.run(() => keyAtOffset(plan.next, after, opts.segmentRows - 1));
    }
    const range: KeyRange = {};
    if (after) range.after = after;
    if (through) range.through = through;
    const seg = { index: produced++, range };
    if (through) after = through;
    else exhausted = true;
    const done = deferred<SegmentResult>();
    commitChain = commitChain.then(() => done.promise).then(commit);
    commitChain.catch((err: unknown) => {
      failure ??= err;
      capacity.resolve();
    });
    return { seg, done };
  };
  const nextSegment = (): ReturnType<typeof produce> => {
    const p = producer.then(produce);
    producer = p.catch(() => undefined);
    return p;
  };

  const worker = async (): Promise<void> => {
    while (!failure) {
      // Bounded memory: few segments in flight, and few differing keys waiting to be committed.
      while ((produced - committed >= maxPending || (pendingSuspects >= MAX_PENDING_SUSPECTS && produced > committed)) && !failure) await capacity.promise;
      const item = await nextSegment();
      if (!item) return;
      try {
        const found = await checkSegment(ctx, item.seg.range, opts.segmentRows);
        if (found.suspects.length) opts.logger.debug({ table: plan.table, segment: item.seg.index, suspects: found.suspects.length, recheckDelayMs: opts.recheckDelayMs }, `reconcile ${plan.table}: ${found.suspects.length} rows differ in segment ${item.seg.index}; re-checking`);
        pendingSuspects += found.suspects.length;
        item.done.resolve(finishSegment(ctx, item.seg.range.through ?? null, found, Date.now()));
      } catch (err) {
        item.done.reject(err);
        failure ??= err;
        capacity.resolve();
        return;
      }
      if (opts.pauseBetweenSegmentsMs) await sleep(opts.pauseBetweenSegmentsMs, opts.signal);
    }
  };

  try {
    await Promise.all(Array.from({ length: opts.concurrency }, () => worker().catch((err: unknown) => void (failure ??= err))));
    await commitChain;
    if (failure) throw failure;
  } finally {
    state.elapsedMs += performance.now() - started;
    state.checksumQueries += ctx.stats.checksumQueries;
    state.rowsFetched += ctx.stats.rowsFetched;
    state.checksumMs += ctx.stats.checksumMs;
    state.diffMs += ctx.stats.diffMs;
    progress?.stop({ rowsLegacy: state.rowsLegacy, rowsNext: state.rowsNext, segments: state.segmentsDone });
  }
  if (!plan.intKey) {
    // Engines may order non-integer keys differently (collations), so segment ranges can
    // overlap on one side: take the row counts from a plain count instead.
    [state.rowsLegacy, state.rowsNext] = await Promise.all([countRows(plan.legacy), countRows(plan.next)]);
  }
  if (control) await commitCheckpoint(control.db, control.runId, { table: plan.table, status: 'done', segmentsDone: state.segmentsDone, state: state as unknown as Record<string, unknown> }, []);
  return state;
}
