/**
 * The DualWriter: writes that reach both datastores and lose nothing. A write goes to the
 * primary store of the current mode together with an outbox entry in the same transaction;
 * the relay then applies the entry to the other store (see relay.ts). Switching modes drains
 * the outbox first, so no write is lost or reordered across the switch.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { Registry } from 'prom-client';
import { fail } from '../../errors.js';
import { silentLogger, type Logger } from '../../observability/logger.js';
import type { Store } from '../connect.js';
import type { Neutral } from '../neutral.js';
import { parseMapping, type TableMapping } from './mapping.js';
import { dualWriteMetrics, type DualWriteMetrics } from './metrics.js';
import { DUAL_WRITE_MODES, otherSide, primaryOf, secondaryOf, type DualWriteMode, type Side } from './modes.js';
import { ensureLeaseRows, ensureOutbox, outboxStatsWithin, type OutboxStats } from './outbox.js';
import { encodePayload, keyText, type NeutralRow } from './payload.js';
import { createOutboxRelay, type OutboxRelay, type RelayTuning } from './relay.js';
import { fromApp, TableContext } from './table-context.js';
import { createBatchWriter } from './batch-write.js';

/** A row as the application gives it: logical column → value (string, number, bigint, boolean, Date, Buffer, object for JSON, null). */
export type Row = Record<string, unknown>;

/** One write. */
export type WriteOp =
  | { op: 'insert'; table: string; row: Row }
  | { op: 'upsert'; table: string; row: Row }
  | { op: 'delete'; table: string; key: Row };

/** What happened to a write. */
export interface WriteResult {
  /** The store written synchronously. */
  primary: Side;
  /** Id of the outbox row holding the write's entry in the primary store (none in single-store modes; writes coalesced into one transaction share a row). */
  outboxId?: number;
  /** `applied`: the other store has it too; `queued`: the relay will apply it; `none`: single-store mode. */
  secondary: 'applied' | 'queued' | 'none';
}

/** Options of {@link createDualWriter}. */
export interface DualWriterOptions extends RelayTuning {
  /** The legacy store (from `openStore`). */
  legacy: Store;
  /** The next store. */
  next: Store;
  /** Logical tables. */
  tables: TableMapping[];
  /** Starting mode. Default `dual-legacy-primary`. */
  mode?: DualWriteMode;
  /**
   * When a write resolves: `primary` (default) once the primary transaction with its outbox
   * entry commits (durable); `secondary` after the relay applied it too, or `ackTimeoutMs` passed.
   */
  acknowledge?: 'primary' | 'secondary';
  /** With `acknowledge: 'secondary'`: longest wait for the relay, ms. Default 5000. */
  ackTimeoutMs?: number;
  /**
   * Outbox namespace: writers and relays of the same tables must share it; writers of other
   * tables in the same databases use their own. Default `default`.
   */
  namespace?: string;
  /** Run the relay in this process. Default true (false: another process relays). */
  relay?: boolean;
  /** Writes coalesced into one primary transaction at most. Default 256. */
  maxBatch?: number;
  /** Primary transactions in flight at once at most (each takes a pooled connection). Default 4. */
  maxConcurrentBatches?: number;
  /** Metrics registry. Default: a new Registry (see `writer.registry`). */
  registry?: Registry;
  /** Logger. Default silent. */
  logger?: Logger;
}

/** A dual writer. */
export interface DualWriter {
  /** The current mode. */
  readonly mode: DualWriteMode;
  /** The registry its metrics are in. */
  readonly registry: Registry;
  /** Writes one row or deletes one key. Rejects when the primary write fails (then nothing was written). */
  write(op: WriteOp): Promise<WriteResult>;
  /** Shorthands for {@link write}. */
  insert(table: string, row: Row): Promise<WriteResult>;
  upsert(table: string, row: Row): Promise<WriteResult>;
  delete(table: string, key: Row): Promise<WriteResult>;
  /**
   * Records a write that already happened on `from` (e.g. made by an upstream service the
   * proxy forwarded to) so the relay applies it to the other store. Durable once it resolves.
   */
  mirror(op: WriteOp, options: { from: Side }): Promise<WriteResult>;
  /** Switches mode: holds new writes, waits for running ones, drains the outbox, switches. */
  setMode(mode: DualWriteMode, options?: { timeoutMs?: number }): Promise<void>;
  /** Waits until both outboxes are empty (parked entries excepted). Default timeout 60000 ms. */
  drain(options?: { timeoutMs?: number }): Promise<void>;
  /** Outbox statistics of both stores (a store that does not answer reports `depth: NaN` and `error`). */
  outboxStats(): Promise<Record<Side, OutboxStats>>;
  /** Stops the relay (pending entries stay in the outbox for the next start). Does not close the stores. */
  close(): Promise<void>;
}

const DEFAULT_DRAIN_MS = 60_000;

/** Creates a dual writer: checks the mappings against both stores and creates their outbox tables. */
export async function createDualWriter(options: DualWriterOptions): Promise<DualWriter> {
  const logger = options.logger ?? silentLogger;
  const mode0 = options.mode ?? 'dual-legacy-primary';
  if (!DUAL_WRITE_MODES.includes(mode0)) throw fail('INVALID_ARGUMENT', `mode: expected one of ${DUAL_WRITE_MODES.join(', ')}, got ${String(mode0)}`);
  const stores: Record<Side, Store> = { legacy: options.legacy, next: options.next };
  const tables = new Map<string, TableContext>();
  options.tables.forEach((m, i) => {
    const parsed = parseMapping(m, `tables[${i}]`);
    if (tables.has(parsed.name)) throw fail('INVALID_ARGUMENT', `tables[${i}].name: "${parsed.name}" is mapped twice`);
    tables.set(parsed.name, new TableContext(parsed, stores));
  });
  const namespace = options.namespace ?? 'default';
  const statsTimeoutMs = options.applyTimeoutMs ?? 10_000;
  await Promise.all([ensureOutbox(options.legacy), ensureOutbox(options.next)]);
  await Promise.all([ensureLeaseRows(options.legacy.knex, namespace), ensureLeaseRows(options.next.knex, namespace)]);
  for (const t of tables.values()) for (const s of ['legacy', 'next'] as const) await t.side(s);

  const registry = options.registry ?? new Registry();
  const metrics: DualWriteMetrics = dualWriteMetrics(registry);
  const owner = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  // Writers waiting for the relay (`acknowledge: 'secondary'`), by outbox row id.
  const waiters = new Map<number, Set<(how: 'applied' | 'queued') => void>>();
  const onApplied = (ids: readonly number[]): void => {
    for (const id of ids) {
      const set = waiters.get(id);
      if (set) for (const w of [...set]) w('applied');
    }
  };
  const relays: OutboxRelay[] =
    options.relay === false
      ? []
      : (['legacy', 'next'] as const).map((from) =>
          createOutboxRelay({ ...options, source: stores[from], target: stores[otherSide(from)], from, to: otherSide(from), tables: (n) => tables.get(n), metrics, logger, owner, namespace, onApplied }),
        );
  const relayTo = (to: Side): OutboxRelay | undefined => relays[to === 'next' ? 0 : 1];

  const batchOptions = { namespace, maxBatch: options.maxBatch, maxConcurrent: options.maxConcurrentBatches };
  const batchers = { legacy: createBatchWriter(stores.legacy, batchOptions), next: createBatchWriter(stores.next, batchOptions) };
  let mode = mode0;
  let gate: Promise<void> | undefined;
  let inFlight = 0;
  let idle: (() => void) | undefined;

  const table = (name: string): TableContext => {
    const t = tables.get(name);
    if (!t) throw fail('STORE_UNKNOWN_TABLE', `no table mapping named "${name}"`, { details: { table: name } });
    return t;
  };

  const toNeutral = async (t: TableContext, side: Side, row: Row): Promise<NeutralRow> => {
    const s = await t.side(side);
    const out: NeutralRow = {};
    for (const [k, v] of Object.entries(row)) {
      if (v === undefined) continue;
      const col = s.column(k);
      const n: Neutral = fromApp(col, v);
      out[k] = t.converter(s, s, k)(n);
    }
    return out;
  };

  const waitApplied = (id: number): Promise<'applied' | 'queued'> =>
    new Promise((resolve) => {
      const set = waiters.get(id) ?? new Set<(how: 'applied' | 'queued') => void>();
      waiters.set(id, set);
      const settle = (how: 'applied' | 'queued'): void => {
        clearTimeout(timer);
        set.delete(settle);
        if (set.size === 0 && waiters.get(id) === set) waiters.delete(id);
        resolve(how);
      };
      const timer = setTimeout(() => settle('queued'), options.ackTimeoutMs ?? 5000);
      set.add(settle);
    });

  const perform = async (op: WriteOp, from: Side | undefined): Promise<WriteResult> => {
    while (gate) await gate;
    inFlight++;
    try {
      const t = table(op.table);
      const primary = from ?? primaryOf(mode);
      const secondary = from ? otherSide(from) : secondaryOf(mode);
      const row = await toNeutral(t, primary, op.op === 'delete' ? op.key : op.row);
      const key = t.key.map((k) => {
        if (!(k in row)) throw fail('INVALID_ARGUMENT', `${op.op} on ${op.table}: key column "${k}" is missing`, { details: { table: op.table, column: k } });
        return row[k]!;
      });
      const kt = keyText(key);
      const entry = secondary
        ? { table: t.mapping.name, keyJson: kt, op: op.op === 'delete' ? ('delete' as const) : ('upsert' as const), rowJson: encodePayload(row) }
        : undefined;
      let outboxId: number | undefined;
      try {
        outboxId = await batchers[primary].submit({ side: await t.side(primary), t, op: op.op, row, mirrorOnly: from !== undefined, entry, keyId: `${t.mapping.name}\u0001${kt}` });
        metrics.writes.inc({ table: op.table, side: primary, path: from ? 'mirror' : 'direct', result: 'ok' });
      } catch (err) {
        metrics.writes.inc({ table: op.table, side: primary, path: from ? 'mirror' : 'direct', result: 'error' });
        throw err;
      }
      if (!secondary) return { primary, secondary: 'none' };
      const relay = relayTo(secondary);
      const wait = options.acknowledge === 'secondary' && relay && outboxId !== undefined ? waitApplied(outboxId) : undefined;
      relay?.kick();
      return { primary, outboxId, secondary: wait ? await wait : 'queued' };
    } finally {
      inFlight--;
      if (inFlight === 0) idle?.();
    }
  };

  const drain = async (timeoutMs = DEFAULT_DRAIN_MS): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      // Ask the databases only once this process's relays have nothing left (counting is not free).
      if (relays.some((r) => !r.idle) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 10));
        continue;
      }
      const stats = await writer.outboxStats();
      if (stats.legacy.depth === 0 && stats.next.depth === 0) return;
      if (Date.now() > deadline) {
        throw fail('STORE_OUTBOX_NOT_DRAINED', `outbox not empty after ${timeoutMs} ms (legacy ${stats.legacy.depth}, next ${stats.next.depth} pending)`, {
          details: { legacy: stats.legacy, next: stats.next, relayError: relays.map((r) => r.lastError).find(Boolean) },
          hint: 'is the other store reachable? see switchyard_outbox_depth and the relay warnings in the log',
        });
      }
      for (const r of relays) r.kick();
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  const writer: DualWriter = {
    get mode() {
      return mode;
    },
    registry,
    write: (op) => perform(op, undefined),
    insert: (tableName, row) => perform({ op: 'insert', table: tableName, row }, undefined),
    upsert: (tableName, row) => perform({ op: 'upsert', table: tableName, row }, undefined),
    delete: (tableName, key) => perform({ op: 'delete', table: tableName, key }, undefined),
    mirror: (op, o) => perform(op, o.from),
    async setMode(next, o = {}) {
      if (!DUAL_WRITE_MODES.includes(next)) throw fail('INVALID_ARGUMENT', `mode: expected one of ${DUAL_WRITE_MODES.join(', ')}, got ${String(next)}`);
      while (gate) await gate;
      if (next === mode) return;
      let open!: () => void;
      gate = new Promise((r) => (open = r));
      try {
        if (inFlight > 0) await new Promise<void>((r) => (idle = r));
        idle = undefined;
        await drain(o.timeoutMs);
        logger.info({ component: 'dual-writer', from: mode, to: next }, `dual-write mode ${mode} → ${next}`);
        mode = next;
      } finally {
        gate = undefined;
        open();
      }
    },
    drain: (o = {}) => drain(o.timeoutMs),
    async outboxStats() {
      const [legacy, next] = await Promise.all([outboxStatsWithin(stores.legacy.knex, namespace, statsTimeoutMs), outboxStatsWithin(stores.next.knex, namespace, statsTimeoutMs)]);
      for (const [side, st] of [['legacy', legacy], ['next', next]] as const) {
        if (st.error) continue;
        metrics.depth.set({ store: side }, st.depth);
        metrics.oldestAge.set({ store: side }, st.oldestAgeMs / 1000);
      }
      return { legacy, next };
    },
    async close() {
      await Promise.all(relays.map((r) => r.stop()));
      for (const set of [...waiters.values()]) for (const w of [...set]) w('queued');
    },
  };
  return writer;
}
