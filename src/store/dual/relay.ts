/**
 * The outbox relay: applies one store's outbox entries to the other store. It holds partition
 * leases (so several relay processes never apply one partition at once), reads the oldest
 * entries of its partitions, applies them in one transaction with a deadline, then deletes
 * them. A failure to reach the target keeps the entries and retries with exponential backoff
 * and full jitter; an entry that can never apply (a value the target cannot hold, a constraint
 * it breaks) is parked with its error and counted, and the rest go on.
 */
import type { Logger } from '../../observability/logger.js';
import type { Knex } from 'knex';
import type { Store } from '../connect.js';
import { transactionWithDeadline } from '../transaction-deadline.js';
import { isTransient } from '../transient.js';
import { applyPrepared, prepareFor, type Rejected } from './apply.js';
import type { DualWriteMetrics } from './metrics.js';
import type { Side } from './modes.js';
import { acquireLeases, claimBatch, outboxStats, recordFailure, releaseLeases, removeEntries, type OutboxEntry } from './outbox.js';
import type { TableContext } from './table-context.js';

/** Tuning of a relay; every field has a default. */
export interface RelayTuning {
  /** Entries per batch. Default 1000. */
  batchSize?: number;
  /** Poll interval when idle, ms (a local write wakes the relay at once). Default 200. */
  pollIntervalMs?: number;
  /** Partition lease length, ms. Default 30000. */
  leaseMs?: number;
  /** Deadline of one batch on the target, ms; must be well under `leaseMs`. Default 10000. */
  applyTimeoutMs?: number;
  /** First retry delay after a failure, ms (doubles, with full jitter). Default 100. */
  retryBaseMs?: number;
  /** Largest retry delay, ms. Default 5000. */
  retryMaxMs?: number;
  /** How often outbox depth/age gauges refresh, ms. Default 2000. */
  statsIntervalMs?: number;
  /**
   * After a batch smaller than `batchSize`, wait this long for more entries before the next
   * one (fewer, larger transactions on both stores under a stream of writes), ms. Default 10.
   */
  lingerMs?: number;
}

/** Options of {@link createOutboxRelay}. */
export interface OutboxRelayOptions extends RelayTuning {
  /** The store whose outbox is drained. */
  source: Store;
  /** The store the entries are applied to. */
  target: Store;
  /** Side names of source and target. */
  from: Side;
  to: Side;
  /** Table contexts by logical name. */
  tables: (name: string) => TableContext | undefined;
  metrics: DualWriteMetrics;
  logger: Logger;
  /** Lease owner id (unique per process). */
  owner: string;
  /** Outbox namespace. */
  namespace: string;
  /** Called with the ids of applied entries. */
  onApplied?: (ids: readonly number[]) => void;
}

/** A running relay. */
export interface OutboxRelay {
  /** Wakes the relay (new entries were written). */
  kick(): void;
  /** Stops after the current batch and releases the leases. */
  stop(): Promise<void>;
  /** The last error, if the last attempt failed. */
  readonly lastError: string | undefined;
  /** True when the last look at the outbox found nothing to apply in this relay's partitions. */
  readonly idle: boolean;
}

/** Starts a relay loop. */
export function createOutboxRelay(o: OutboxRelayOptions): OutboxRelay {
  const t = {
    batchSize: o.batchSize ?? 1000,
    pollIntervalMs: o.pollIntervalMs ?? 200,
    leaseMs: o.leaseMs ?? 30_000,
    applyTimeoutMs: o.applyTimeoutMs ?? 10_000,
    retryBaseMs: o.retryBaseMs ?? 100,
    retryMaxMs: o.retryMaxMs ?? 5000,
    statsIntervalMs: o.statsIntervalMs ?? 2000,
    lingerMs: o.lingerMs ?? 10,
  };
  let lastBatchFull = false;
  let stopped = false;
  let wake: (() => void) | undefined;
  let kicked = false;
  let held: number[] = [];
  let leaseUntil = 0;
  let renewAt = 0;
  let failures = 0;
  let statsAt = 0;
  let lastError: string | undefined;
  let idle = false;
  // Every statement on the source runs under the same deadline as the target's, so a store
  // that stops answering never wedges the loop.
  const onSource = <T>(fn: (db: Knex.Transaction) => Promise<T>): Promise<T> => transactionWithDeadline(o.source.knex, t.applyTimeoutMs, fn);

  const sleep = (ms: number, kickable = true): Promise<void> =>
    new Promise((resolve) => {
      if ((kicked && kickable) || stopped) {
        kicked = false;
        return resolve();
      }
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        wake = undefined;
        kicked = false;
        resolve();
      }
      wake = kickable ? done : () => stopped && done();
    });

  const park = async (rejected: readonly Rejected[]): Promise<void> => {
    for (const r of rejected) {
      await onSource((db) => recordFailure(db, [r.entry.id], r.error, true));
      o.metrics.relayFailures.inc({ to: o.to, kind: 'parked' });
      o.logger.error({ component: 'dual-writer', to: o.to, entry: r.entry.id, table: r.entry.table, error: r.error }, `outbox entry ${r.entry.id} parked: ${r.error}`);
    }
  };

  // Deleting applied entries runs beside the next batch, in order, retried until it succeeds:
  // a crash can then leave only a suffix of applied entries, which a restart re-applies in order.
  // Applied ids are skipped by later claims until a claim that began after their delete committed.
  const skip = new Set<number>();
  const committed: Array<{ ids: number[]; seq: number }> = [];
  let claimSeq = 0;
  let deletesInFlight = 0;
  let deleteChain: Promise<void> = Promise.resolve();
  const forget = (ids: number[]): void => {
    for (const id of ids) skip.add(id);
    deletesInFlight++;
    deleteChain = deleteChain.then(async () => {
      for (let attempt = 0; ; attempt++) {
        try {
          await onSource((db) => removeEntries(db, ids));
          committed.push({ ids, seq: claimSeq });
          break;
        } catch (err) {
          if (stopped && attempt > 3) break;
          lastError = (err as Error).message;
          await new Promise((r) => setTimeout(r, Math.min(t.retryMaxMs, t.retryBaseMs * 2 ** Math.min(attempt, 16))));
        }
      }
      deletesInFlight--;
    });
  };
  const claim = async (partitions: number[]): Promise<OutboxEntry[]> => {
    const seq = ++claimSeq;
    const claimed = await onSource((db) => claimBatch(db, o.namespace, partitions, t.batchSize + skip.size));
    const entries = skip.size ? claimed.filter((e) => !skip.has(e.id)).slice(0, t.batchSize) : claimed;
    for (let i = committed.length - 1; i >= 0; i--) {
      if (committed[i]!.seq < seq) {
        for (const id of committed[i]!.ids) skip.delete(id);
        committed.splice(i, 1);
      }
    }
    return entries;
  };

  const apply = async (entries: OutboxEntry[]): Promise<void> => {
    const { ready, rejected } = await prepareFor(o.target, entries, o.tables, o.from, o.to);
    await park(rejected);
    try {
      await applyPrepared(o.target, ready, t.applyTimeoutMs);
    } catch (err) {
      if (isTransient(err)) {
        await onSource((db) => recordFailure(db, ready.map((p) => p.entry.id), (err as Error).message, false)).catch(() => undefined);
        throw err;
      }
      // Something in the batch is refused: apply one by one, in order, parking what fails.
      for (const p of [...ready]) {
        try {
          await applyPrepared(o.target, [p], t.applyTimeoutMs);
        } catch (e) {
          if (isTransient(e)) throw e;
          await park([{ entry: p.entry, error: `table ${p.entry.table}, key ${p.entry.keyJson}: ${(e as Error).message}` }]);
          ready.splice(ready.indexOf(p), 1);
        }
      }
    }
    const ids = ready.map((p) => p.entry.id);
    forget(ids);
    const perTable = new Map<string, number>();
    for (const p of ready) perTable.set(p.entry.table, (perTable.get(p.entry.table) ?? 0) + 1);
    for (const [table, n] of perTable) o.metrics.writes.inc({ table, side: o.to, path: 'relay', result: 'ok' }, n);
    o.onApplied?.(ids);
  };

  const refreshStats = async (): Promise<void> => {
    if (Date.now() < statsAt) return;
    statsAt = Date.now() + t.statsIntervalMs;
    const s = await onSource((db) => outboxStats(db, o.namespace));
    o.metrics.depth.set({ store: o.from }, s.depth);
    o.metrics.oldestAge.set({ store: o.from }, s.oldestAgeMs / 1000);
  };

  const step = async (): Promise<boolean> => {
    const now = Date.now();
    if (now >= renewAt || now + t.applyTimeoutMs >= leaseUntil) {
      held = await onSource((db) => acquireLeases(db, o.namespace, o.owner, t.leaseMs, now));
      leaseUntil = now + t.leaseMs;
      renewAt = now + t.leaseMs / 3;
    }
    await refreshStats();
    if (held.length === 0) return false;
    const entries = await claim(held);
    if (entries.length === 0) {
      if (deletesInFlight === 0) return false;
      await deleteChain;
      return true;
    }
    lastBatchFull = entries.length >= t.batchSize;
    await apply(entries);
    return true;
  };

  const loop = async (): Promise<void> => {
    while (!stopped) {
      try {
        const busy = await step();
        idle = !busy && deletesInFlight === 0;
        if (failures > 0) o.logger.info({ component: 'dual-writer', to: o.to, after: failures }, `relay to ${o.to} recovered`);
        failures = 0;
        lastError = undefined;
        if (!busy) await sleep(t.pollIntervalMs);
        else if (!lastBatchFull && t.lingerMs > 0) await sleep(t.lingerMs, false);
        // SQLite work completes without waiting on I/O: let timers and sockets run between batches.
        else await new Promise((r) => setImmediate(r));
      } catch (err) {
        failures++;
        idle = false;
        lastError = (err as Error).message;
        o.metrics.relayFailures.inc({ to: o.to, kind: 'transient' });
        if (failures === 1 || failures % 20 === 0) o.logger.warn({ component: 'dual-writer', to: o.to, failures, error: lastError }, `relay to ${o.to} failed; retrying`);
        const cap = Math.min(t.retryMaxMs, t.retryBaseMs * 2 ** Math.min(failures, 16));
        await sleep(Math.random() * cap, false);
      }
    }
  };

  const running = loop();
  return {
    kick() {
      kicked = true;
      wake?.();
    },
    async stop() {
      stopped = true;
      wake?.();
      await running;
      await deleteChain;
      await onSource((db) => releaseLeases(db, o.namespace, o.owner)).catch(() => undefined);
    },
    get lastError() {
      return lastError;
    },
    get idle() {
      return idle && !kicked;
    },
  };
}
