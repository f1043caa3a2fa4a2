/**
 * The synchronous half of a write: rows on the primary store, with their outbox entries in
 * the same transaction. Concurrent writes are coalesced: while a transaction runs, new writes
 * queue and go together in the next one (multi-row statements, one commit), up to
 * `maxBatch` per transaction and `maxConcurrent` transactions at once. A batch that fails is
 * retried one write per transaction, so only the write at fault is rejected.
 */
import type { Knex } from 'knex';
import type { Store } from '../connect.js';
import { upsertStatements } from '../bulk-upsert.js';
import { StatementPipeline, type Statement } from '../statement-pipeline.js';
import type { UpsertSpec } from '../write-dialect.js';
import { segments } from './apply.js';
import type { ResolvedSide } from './mapping.js';
import { insertedId, insertEntriesStatement, type NewOutboxEntry } from './outbox.js';
import type { NeutralRow } from './payload.js';
import type { TableContext } from './table-context.js';
import { clearTombstones, recordTombstones, tombstoneFirst, watched } from './tombstones.js';

/** One write handed to the batcher. */
export interface BatchedWrite {
  side: ResolvedSide;
  t: TableContext;
  op: 'insert' | 'upsert' | 'delete';
  row: NeutralRow;
  /** Only record the outbox entry (the row is already on this store). */
  mirrorOnly: boolean;
  /** The outbox entry (dual modes). */
  entry: NewOutboxEntry | undefined;
  /** Per-key lock name and segment id: `<table>\u0001<key text>` (no NUL: PostgreSQL text cannot hold it). */
  keyId: string;
}

interface Pending extends BatchedWrite {
  resolve(id: number | undefined): void;
  reject(err: unknown): void;
}

/** Options of {@link createBatchWriter}. */
export interface BatchWriterOptions {
  /** Outbox namespace. */
  namespace: string;
  /** Writes per transaction at most. Default 256. */
  maxBatch?: number;
  /** Transactions at once at most. Default 4. */
  maxConcurrent?: number;
}

/** A batcher for one store. */
export interface BatchWriter {
  /** Queues a write; resolves with the id of the outbox row holding its entry (if it has one) once committed. */
  submit(w: BatchedWrite): Promise<number | undefined>;
}

function encodeRow(store: Store, w: BatchedWrite): { columns: string[]; values: unknown[] } {
  const logical = w.op === 'delete' ? [...w.t.key] : Object.keys(w.row);
  const cols = logical.map((c) => w.side.column(c));
  return { columns: cols.map((c) => c.name), values: logical.map((c, i) => store.dialect.values.encode(cols[i]!, w.row[c] ?? null)) };
}

/**
 * Writes the rows. With a pipeline (in a transaction) the statements are only sent, in order,
 * and the caller awaits `pipe.finish()`; without one each is awaited in turn.
 */
/**
 * Tombstone clears skipped because the table was not watched when the rows' statements were
 * sent (table → key columns and keys); decided again once those statements ran (tombstones.ts
 * needs the decision after the row write).
 */
type SkippedClears = Map<string, { key: string[]; keys: Set<string> }>;

async function writeData(trx: Knex.Transaction, store: Store, ws: readonly BatchedWrite[], pipe?: StatementPipeline, skipped?: SkippedClears): Promise<void> {
  const send = async (st: Statement): Promise<void> => {
    if (pipe) void pipe.send(st);
    else await st;
  };
  for (const seg of segments(ws.map((w) => ({ table: w.side.table, entry: { keyJson: w.keyId }, w })))) {
    const groups = new Map<string, Array<{ w: BatchedWrite; columns: string[]; values: unknown[] }>>();
    for (const { w } of seg) {
      const enc = encodeRow(store, w);
      const sig = `${w.op}\u0000${w.side.table}\u0000${enc.columns.join('\u0001')}`;
      const g = groups.get(sig) ?? [];
      g.push({ w, ...enc });
      groups.set(sig, g);
    }
    for (const g of groups.values()) {
      const { w, columns } = g[0]!;
      const key = w.t.key.map((k) => w.side.column(k).name);
      // Tombstones (dual modes: writes with an outbox entry): see tombstones.ts.
      const keys = g.flatMap((x) => (x.w.entry ? [x.w.entry.keyJson] : []));
      // Tombstone statements run directly: everything sent before them must have run first.
      if (pipe && keys.length && watched(store, w.side.table)) await pipe.finish();
      if (w.op === 'delete') {
        if (tombstoneFirst(store)) await recordTombstones(trx, store, w.side.table, key, keys);
        if (key.length === 1) await send(trx(w.side.table).whereIn(key[0]!, g.map((x) => x.values[0]) as Knex.Value[]).del());
        else await send(trx(w.side.table).whereIn(key, g.map((x) => x.values) as Knex.Value[][]).del());
        if (!tombstoneFirst(store) && pipe && keys.length && watched(store, w.side.table)) await pipe.finish();
        if (!tombstoneFirst(store)) await recordTombstones(trx, store, w.side.table, key, keys);
        for (const k of keys) skipped?.get(w.side.table)?.keys.delete(k);
      } else if (w.op === 'insert') {
        await send(trx(w.side.table).insert(g.map((x) => Object.fromEntries(x.columns.map((c, i) => [c, x.values[i]])))));
        if (pipe && keys.length && watched(store, w.side.table)) await pipe.finish();
        else if (keys.length) skip(skipped, w.side.table, key, keys);
        await clearTombstones(trx, store, w.side.table, key, keys);
      } else {
        const spec: UpsertSpec = { table: w.side.table, columns, key, guard: { t: 'overwrite' } };
        for (const st of upsertStatements(trx, store.dialect.writes, spec, g.map((x) => x.values))) await send(st);
        if (pipe && keys.length && watched(store, w.side.table)) await pipe.finish();
        else if (keys.length) skip(skipped, w.side.table, key, keys);
        await clearTombstones(trx, store, w.side.table, key, keys);
      }
    }
  }
}

function skip(skipped: SkippedClears | undefined, table: string, key: string[], keys: readonly string[]): void {
  if (!skipped) return;
  const s = skipped.get(table) ?? { key, keys: new Set<string>() };
  for (const k of keys) s.keys.add(k);
  skipped.set(table, s);
}

/** Sends the insert of the batch's outbox entries as one outbox row; resolves with its id (undefined when no write has an entry). */
async function writeOutbox(trx: Knex.Transaction, namespace: string, ws: readonly BatchedWrite[], pipe: StatementPipeline): Promise<number | undefined> {
  const entries: NewOutboxEntry[] = [];
  for (const w of ws) if (w.entry) entries.push(w.entry);
  return entries.length ? insertedId(await pipe.send(insertEntriesStatement(trx, namespace, entries))) : undefined;
}

/** Creates the batcher for a store. */
export function createBatchWriter(store: Store, o: BatchWriterOptions): BatchWriter {
  const maxBatch = o.maxBatch ?? 256;
  const maxConcurrent = o.maxConcurrent ?? 4;
  const queue: Pending[] = [];
  let running = 0;
  let scheduled = false;

  const run = async (ws: readonly BatchedWrite[]): Promise<number | undefined> => {
    const data = ws.filter((w) => !w.mirrorOnly);
    const hasEntries = ws.some((w) => w.entry);
    if (ws.length === 1 && !hasEntries) {
      await writeData(store.knex as unknown as Knex.Transaction, store, data);
      return undefined;
    }
    return store.knex.transaction(async (trx) => {
      if (hasEntries) await store.dialect.writes.lockKeys(trx, [...new Set(ws.map((w) => w.keyId))]);
      // The data statements, then the outbox insert, in this order: on MySQL the entry's id is
      // taken after the rows' locks, which orders entries per key. On MySQL they travel as one
      // query (one round trip) unless tombstones need a look in between.
      const pipe = new StatementPipeline(store.dialect.writes.multiStatement ? trx : undefined);
      const skipped: SkippedClears = new Map();
      await writeData(trx, store, data, pipe, skipped);
      const id = writeOutbox(trx, o.namespace, ws, pipe);
      id.catch(() => undefined); // its failure is finish()'s
      await pipe.finish();
      for (const [table, s] of skipped) if (s.keys.size) await clearTombstones(trx, store, table, s.key, [...s.keys]);
      return id;
    });
  };

  const flush = async (): Promise<void> => {
    scheduled = false;
    if (running >= maxConcurrent || queue.length === 0) return;
    const batch = queue.splice(0, maxBatch);
    running++;
    schedule();
    try {
      const id = await run(batch);
      for (const w of batch) w.resolve(w.entry ? id : undefined);
    } catch (err) {
      if (batch.length === 1) batch[0]!.reject(err);
      else
        for (const w of batch) {
          try {
            w.resolve(await run([w]));
          } catch (e) {
            w.reject(e);
          }
        }
    } finally {
      running--;
      schedule();
    }
  };

  function schedule(): void {
    if (!scheduled && running < maxConcurrent && queue.length > 0) {
      scheduled = true;
      setImmediate(() => void flush());
    }
  }

  return {
    submit(w) {
      return new Promise((resolve, reject) => {
        queue.push({ ...w, resolve, reject });
        schedule();
      });
    },
  };
}
