/**
 * The outbox relay: applies one store's outbox entries to the other store. It holds the
 * namespace's lease (so several relay processes never apply one namespace at once), reads the
 * oldest outbox rows, applies their entries in one transaction with a deadline, then deletes
 * the rows. A failure to reach the target keeps the entries and retries with exponential backoff
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
import { acquireLease, claimedEntries, claimStatement, outboxStats, parkStatements, recordFailure, releaseLeases, removeStatements, type OutboxEntry } from './outbox.js';
import { StatementPipeline } from '../statement-pipeline.js';
import { encodePayload } from './payload.js';
import type { TableContext } from './table-context.js';

/** Tuning of a relay; every field has a default. */
export interface RelayTuning {
  /** Entries per batch. Default 1000. */
  batchSize?: number;
  /** Poll interval when idle, ms (a local write wakes the relay at once). Default 200. */
  pollIntervalMs?: number;
  /** Namespace lease length, ms. Default 30000. */
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
  /** True when the last look at the outbox found nothing to apply in this relay's namespace. */
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
  let held = false;
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

  // Rows whose entries were all applied (or parked) are deleted, and parked entries recorded,
  // in the same source transaction that claims the next batch: one round of statements per
  // batch, and a claim never reads rows already applied. A crash between apply and that
  // transaction leaves the rows, which a restart re-applies in order.
  let done: { ids: number[]; parked: Rejected[] } = { ids: [], parked: [] };
  // Parks and deletes go with the claim that follows them (on MySQL: in one query).
  const settle = (db: Knex.Transaction, pipe: StatementPipeline, d: typeof done): void => {
    const parked = d.parked.map((r) => ({ entry: { ...r.entry, rowJson: encodePayload(r.entry.row) }, error: r.error }));
    for (const st of [...parkStatements(db, o.namespace, parked), ...removeStatements(db, d.ids)]) void pipe.send(st);
  };
  // Rows per claim: sized from the entries per row seen so far, so a claim holds about `batchSize` entries.
  let entriesPerRow = 8;
  const claim = async (): Promise<{ rows: number; limit: number; entries: OutboxEntry[] }> => {
    const d = done;
    const limit = Math.max(1, Math.round(t.batchSize / entriesPerRow));
    const claimed = await onSource(async (db) => {
      const pipe = new StatementPipeline(o.source.dialect.writes.multiStatement ? db : undefined);
      settle(db, pipe, d);
      const rows = pipe.send(claimStatement(db, o.namespace, limit));
      await pipe.finish();
      return claimedEntries(db, await rows);
    });
    if (done === d) done = { ids: [], parked: [] };
    if (claimed.rows > 0) entriesPerRow = Math.max(1, entriesPerRow * 0.5 + (claimed.entries.length / claimed.rows) * 0.5);
    return { ...claimed, limit };
  };
  const flushDone = async (): Promise<void> => {
    const d = done;
    if (d.ids.length === 0 && d.parked.length === 0) return;
    await onSource(async (db) => {
      const pipe = new StatementPipeline(o.source.dialect.writes.multiStatement ? db : undefined);
      settle(db, pipe, d);
      await pipe.finish();
    });
    if (done === d) done = { ids: [], parked: [] };
  };
  const park = (rejected: readonly Rejected[]): void => {
    for (const r of rejected) {
      done.parked.push(r);
      o.metrics.relayFailures.inc({ to: o.to, kind: 'parked' });
      o.logger.error({ component: 'dual-writer', to: o.to, outboxRow: r.entry.id, entry: r.entry.index, table: r.entry.table, key: r.entry.keyJson, error: r.error }, `outbox entry parked: ${r.error}`);
    }
  };

  const apply = async (entries: OutboxEntry[]): Promise<void> => {
    const { ready, rejected } = await prepareFor(o.target, entries, o.tables, o.from, o.to);
    try {
      await applyPrepared(o.target, ready, t.applyTimeoutMs);
    } catch (err) {
      if (isTransient(err)) {
        const rows = [...new Set(entries.map((e) => e.id))];
        await onSource((db) => recordFailure(db, rows, (err as Error).message, false)).catch(() => undefined);
        throw err;
      }
      // Something in the batch is refused: apply one by one, in order, parking what fails.
      for (const p of [...ready]) {
        try {
          await applyPrepared(o.target, [p], t.applyTimeoutMs);
        } catch (e) {
          if (isTransient(e)) throw e;
          rejected.push({ entry: p.entry, error: `table ${p.entry.table}, key ${p.entry.keyJson}: ${(e as Error).message}` });
          ready.splice(ready.indexOf(p), 1);
        }
      }
    }
    park(rejected);
    const ids = [...new Set(entries.map((e) => e.id))];
    done.ids.push(...ids);
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
      held = await onSource((db) => acquireLease(db, o.namespace, o.owner, t.leaseMs, now));
      leaseUntil = now + t.leaseMs;
      renewAt = now + t.leaseMs / 3;
    }
    await refreshStats();
    if (!held) {
      await flushDone();
      return false;
    }
    const batch = await claim();
    if (batch.rows === 0) return false;
    lastBatchFull = batch.rows >= batch.limit;
    await apply(batch.entries);
    return true;
  };

  const loop = async (): Promise<void> => {
    while (!stopped) {
      try {
        const busy = await step();
        idle = !busy;
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
      await flushDone().catch(() => undefined);
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
