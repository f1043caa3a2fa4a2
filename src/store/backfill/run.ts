/**
 * `runBackfill`: copies a table from one store to another in key order with keyset
 * pagination, one chunk at a time, checkpointing each chunk in the control database. A
 * rerun after a crash resumes after the last checkpointed key; re-copying a chunk is
 * harmless (guarded upserts), so the result equals an uninterrupted run. Reads of the next
 * chunk and conversion overlap the write of the current one; memory stays at a few chunks.
 */
import { fail, SwitchyardError } from '../../errors.js';
import { silentLogger, type Logger } from '../../observability/logger.js';
import { createProgress } from '../../observability/progress.js';
import { openControl } from '../../control/control-db.js';
import { openStore, type Store } from '../connect.js';
import type { BulkLoadMethod, UpsertSpec } from '../write-dialect.js';
import { finishRun, openCheckpoint, saveChunk } from './checkpoint.js';
import { planBackfill, type ConflictPolicy } from './plan.js';
import { createThrottle } from './throttle.js';
import { createHeapBudget } from './memory.js';
import { watchDeletes, type DeleteWatch } from '../dual/tombstones.js';

const DEFAULT_HEAP_BUDGET_MB = 128;

/** Options of {@link runBackfill}. */
export interface BackfillOptions {
  /** Source store (legacy), as a Store or a URL. */
  source: Store | string;
  /** Target store (next), as a Store or a URL. */
  target: Store | string;
  /** Control database for checkpoints, as a Store or a URL. Default: `sqlite://.switchyard/control.db`. */
  control?: Store | string;
  /** Source table. */
  table: string;
  /** Target table. Default: `table`. */
  targetTable?: string;
  /** Key columns, in order. Default: the source's primary key. */
  key?: string[];
  /** Columns to copy. Default: every source column (each must exist on the target). */
  columns?: string[];
  /** Version/updated-at column for the `newer-version` guard. Default: none. */
  versionColumn?: string;
  /**
   * A key that already exists on the target: `newer-version` replaces it only when the source
   * version is newer (default with a version column), `keep-target` leaves it (default
   * without one: live dual writes are newer), `overwrite` replaces it.
   */
  onConflict?: ConflictPolicy;
  /** Rows per chunk (and per checkpoint). Default 10000. */
  chunkSize?: number;
  /** Rows per second at most. Default: no cap. */
  rateRowsPerSec?: number;
  /** Pause (and shrink chunks) while writing a chunk takes longer than this, ms. Default: no bound. */
  maxWriteLatencyMs?: number;
  /** PostgreSQL targets: `copy` (default), `copy-staging` or `insert`. Ignored elsewhere. */
  loadMethod?: BulkLoadMethod;
  /** Start over even if an unfinished run exists. Default false. */
  restart?: boolean;
  /** Migration name recorded with the checkpoint. Default ''. */
  migration?: string;
  /** Logger (progress lines when not on a TTY). Default silent. */
  logger?: Logger;
  /** Draw a progress bar: default when stderr is a TTY and a logger was given. */
  progressBar?: boolean;
  /** Stops after the current chunk (the checkpoint stays; a rerun resumes). */
  signal?: AbortSignal;
  /** Chunks being written at once (checkpoints stay in order). Default 2. */
  writeConcurrency?: number;
  /** Heap size past which a full garbage collection runs between chunks, MB. Default 128. */
  heapBudgetMb?: number;
  /**
   * Remove rows that live dual writes deleted while the chunk was in flight (tombstones, see
   * `src/store/dual/tombstones.ts`). Registers a watch on the target table in the target
   * store; the first chunk is read at least 0.7 s later (start-up overlaps it). Default true.
   */
  watchDeletes?: boolean;
  /** Tombstones older than this are not kept for this backfill, ms. Default 86400000 (24 h). */
  tombstoneRetentionMs?: number;
  /** Test hook: called after each checkpoint with the chunk count. */
  onChunk?: (chunks: number) => void | Promise<void>;
  /** Test hook: called with the chunk number (from 1 in this invocation) after a chunk was read and before it is written. */
  beforeChunkWrite?: (chunk: number) => void | Promise<void>;
}

/** The summary of a finished backfill. */
export interface BackfillResult {
  /** `completed`, or `stopped` when the signal aborted it (resumable). */
  status: 'completed' | 'stopped';
  runKey: string;
  sourceTable: string;
  targetTable: string;
  /** Rows copied by this invocation. */
  rows: number;
  /** Rows copied by every invocation of this run. */
  totalRows: number;
  chunks: number;
  /** Resumed an interrupted run (and from which key, as JSON). */
  resumed: boolean;
  resumedAfterKey: string | null;
  elapsedMs: number;
  rowsPerSec: number;
  /** Chunks per load method actually used. */
  loadMethods: Partial<Record<BulkLoadMethod, number>>;
  /** Time spent waiting on the rate cap or latency pauses, ms. */
  throttledMs: number;
  /** The conflict policy applied. */
  onConflict: ConflictPolicy;
  /** Rows removed from the target after their chunk because a live dual write had deleted them meanwhile. */
  deletedByLiveWrites: number;
}

async function asStore(s: Store | string, label: string): Promise<[Store, boolean]> {
  return typeof s === 'string' ? [await openStore(s, { label, poolMax: 4 }), true] : [s, false];
}

/** Runs (or resumes) a backfill. Rejects with a SwitchyardError; the checkpoint stays for a rerun. */
export async function runBackfill(options: BackfillOptions): Promise<BackfillResult> {
  const logger = options.logger ?? silentLogger;
  const chunkSize = options.chunkSize ?? 10_000;
  if (!Number.isInteger(chunkSize) || chunkSize < 1) throw fail('INVALID_ARGUMENT', `chunkSize: expected a positive integer, got ${chunkSize}`);
  if (options.rateRowsPerSec !== undefined && !(options.rateRowsPerSec > 0)) throw fail('INVALID_ARGUMENT', `rateRowsPerSec: expected a positive number, got ${options.rateRowsPerSec}`);
  const opened: Store[] = [];
  let watching: Promise<DeleteWatch | Error> | undefined;
  try {
    const [source, o1] = await asStore(options.source, 'legacy');
    if (o1) opened.push(source);
    const [target, o2] = await asStore(options.target, 'next');
    if (o2) opened.push(target);
    // Registered first: writers take the watch into account while the rest starts up.
    watching = options.watchDeletes === false ? undefined : watchDeletes(target, options.targetTable ?? options.table, { retentionMs: options.tombstoneRetentionMs }).catch((err: Error) => err);
    const control = typeof options.control === 'object' ? options.control : await openControl(options.control);
    if (typeof options.control !== 'object') opened.push(control);
    return await copy(options, source, target, control, chunkSize, logger, watching);
  } finally {
    const watch = await watching;
    if (watch && !(watch instanceof Error)) await watch.stop().catch((err: Error) => logger.warn({ component: 'backfill', error: err.message }, `could not end the delete watch: ${err.message}`));
    for (const s of opened.reverse()) await s.close().catch(() => undefined);
  }
}

async function copy(options: BackfillOptions, source: Store, target: Store, control: Store, chunkSize: number, logger: Logger, watching: Promise<DeleteWatch | Error> | undefined): Promise<BackfillResult> {
  const targetTable = options.targetTable ?? options.table;
  const plan = await planBackfill({ source, target, sourceTable: options.table, targetTable, key: options.key, columns: options.columns, versionColumn: options.versionColumn, onConflict: options.onConflict });
  const params = { chunkSize, rateRowsPerSec: options.rateRowsPerSec, maxWriteLatencyMs: options.maxWriteLatencyMs, loadMethod: options.loadMethod, guard: plan.guard.t };
  const identity = { migration: options.migration ?? '', source: source.url.redacted, target: target.url.redacted, sourceTable: plan.sourceTable, targetTable, key: plan.key };
  const { checkpoint, resumed } = await openCheckpoint(control.knex, identity, options.restart ?? false, params);
  const onConflict: ConflictPolicy = plan.guard.t === 'version' ? 'newer-version' : plan.guard.t;
  const log = logger.child({ component: 'backfill', table: plan.sourceTable, run: checkpoint.runKey });
  log.info({ resumed, afterKey: checkpoint.lastKeyJson, onConflict }, resumed ? `resuming backfill of ${plan.sourceTable} after key ${checkpoint.lastKeyJson}` : `starting backfill of ${plan.sourceTable}`);

  const spec: UpsertSpec = { table: targetTable, columns: plan.target.map((c) => c.name), key: plan.key.map((k) => plan.target[plan.source.findIndex((s) => s.name === k)]!.name), guard: plan.guard };
  const throttle = createThrottle({ chunkSize, rateRowsPerSec: options.rateRowsPerSec, maxLatencyMs: options.maxWriteLatencyMs });
  const estimate = await source.dialect.keyset.estimateRows(source.knex, plan.sourceTable).catch(() => 0);
  const progress = createProgress({ label: `backfill ${plan.sourceTable}`, unit: 'rows', total: estimate, logger: log, tty: options.progressBar ?? (options.logger !== undefined && Boolean(process.stderr.isTTY)) });
  progress.increment(checkpoint.rowsCopied);

  const heap = createHeapBudget(options.heapBudgetMb ?? DEFAULT_HEAP_BUDGET_MB);
  const started = Date.now();
  const loadMethods: Partial<Record<BulkLoadMethod, number>> = {};
  let method: BulkLoadMethod = options.loadMethod ?? 'copy';
  let stagingStreak = 0;
  let rows = 0;
  let totalRows = checkpoint.rowsCopied;
  let chunks = checkpoint.chunks;
  let lastKey = checkpoint.lastKeyJson === null ? undefined : plan.parseKey(checkpoint.lastKeyJson);
  let deletedByLiveWrites = 0;
  let read0 = 0;
  const keyIdx = plan.key.map((k) => plan.source.findIndex((s) => s.name === k));
  const watched = await watching;
  const watch = watched instanceof Error ? undefined : watched;
  if (watched instanceof Error) log.warn({ error: watched.message }, `cannot watch deletes on ${targetTable} (rows deleted by live dual writes during the copy may come back; run reconcile after): ${watched.message}`);
  await watch?.settled();

  const read = (after: typeof lastKey, limit: number): Promise<unknown[][]> =>
    source.dialect.keyset.selectArrays(source.knex, plan.chunkSql(after !== undefined, limit), after ? plan.afterBindings(after) : []);

  let pendingRead: Promise<unknown[][]> | undefined = read(lastKey, throttle.chunkSize);
  const writeConcurrency = Math.max(1, options.writeConcurrency ?? 2);
  const inFlight: Array<Promise<void>> = [];
  let checkpointed: Promise<void> = Promise.resolve();
  let stopped = false;
  try {
    while (pendingRead) {
      const batch: unknown[][] = await pendingRead;
      if (batch.length === 0) break;
      const requested = throttle.chunkSize;
      const key = plan.keyOf(batch[batch.length - 1]!);
      pendingRead = batch.length < requested ? undefined : read(key, throttle.chunkSize);
      pendingRead?.catch(() => undefined);
      const encoded = batch.map(plan.convertRow);
      await options.beforeChunkWrite?.(++read0);
      while (inFlight.length >= writeConcurrency) await inFlight.shift();
      heap.check();
      if (options.signal?.aborted) {
        stopped = true;
        break;
      }
      await throttle.beforeWrite(encoded.length);
      const keyJson = plan.keyJson(key);
      // Chunks are written concurrently (different key ranges) but checkpointed strictly in
      // order, so the checkpoint never passes a chunk that is not on the target.
      const write = (async () => {
        const t0 = Date.now();
        const r = await target.dialect.bulkLoad(target.knex, spec, plan.target, encoded, method);
        loadMethods[r.method] = (loadMethods[r.method] ?? 0) + 1;
        // After a conflict the optimistic COPY is skipped for a while, then tried again.
        if (method === 'copy' && r.method === 'copy-staging') stagingStreak = 8;
        return Date.now() - t0;
      })();
      write.catch(() => undefined);
      const previous = checkpointed;
      checkpointed = (async () => {
        const latency = await write;
        // Before the checkpoint (a crash in between re-copies the chunk and checks it again);
        // beside the previous chunk's check (other keys).
        if (watch) deletedByLiveWrites += await watch.reap(spec.key, () => batch.map((raw, i) => ({ key: plan.keyOf(raw), bind: keyIdx.map((j) => encoded[i]![j]) })));
        await previous;
        rows += encoded.length;
        totalRows += encoded.length;
        chunks++;
        await saveChunk(control.knex, checkpoint.runKey, keyJson, totalRows, chunks);
        progress.increment(encoded.length, { chunks });
        await options.onChunk?.(chunks);
        const paused = await throttle.afterWrite(latency);
        if (paused) log.info({ latencyMs: latency, pausedMs: paused, chunkSize: throttle.chunkSize }, `target write latency ${latency} ms above ${options.maxWriteLatencyMs} ms: paused ${paused} ms`);
      })();
      checkpointed.catch(() => undefined);
      inFlight.push(checkpointed);
      if (stagingStreak > 0 && (options.loadMethod ?? 'copy') === 'copy') method = --stagingStreak > 0 ? 'copy-staging' : 'copy';
    }
    await checkpointed;
  } catch (err) {
    await Promise.allSettled(inFlight);
    const e = err instanceof SwitchyardError ? err : fail('STORE_BACKFILL_FAILED', `backfill of ${plan.sourceTable} stopped: ${(err as Error).message}`, { cause: err });
    progress.stop({ failed: 1 });
    await finishRun(control.knex, checkpoint.runKey, 'failed', e.message).catch(() => undefined);
    log.error({ error: e.message, details: e.details, rowsCopied: totalRows, chunks }, `backfill of ${plan.sourceTable} stopped after ${totalRows} rows; rerun to resume`);
    Object.assign(e.details, { runKey: checkpoint.runKey, rowsCopied: totalRows, chunks });
    throw e;
  }
  if (!stopped) await finishRun(control.knex, checkpoint.runKey, 'completed');
  const elapsedMs = Date.now() - started;
  progress.stop({ chunks });
  return {
    status: stopped ? 'stopped' : 'completed',
    runKey: checkpoint.runKey,
    sourceTable: plan.sourceTable,
    targetTable,
    rows,
    totalRows,
    chunks,
    resumed,
    resumedAfterKey: resumed ? checkpoint.lastKeyJson : null,
    elapsedMs,
    rowsPerSec: elapsedMs > 0 ? Math.round((rows / elapsedMs) * 1000) : rows,
    loadMethods,
    throttledMs: Math.round(throttle.waitedMs),
    onConflict,
    deletedByLiveWrites,
  };
}
