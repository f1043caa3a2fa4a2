/**
 * The synchronous half of a write: rows on the primary store, with their outbox entries in
 * the same transaction. Concurrent writes are coalesced: while a transaction runs, new writes
 * queue and go together in the next one (multi-row statements, one commit), up to
 * `maxBatch` per transaction and `maxConcurrent` transactions at once. A batch that fails is
 * retried one write per transaction, so only the write at fault is rejected.
 */
import type { Knex } from 'knex';
import type { Store } from '../connect.js';
import { upsertRows } from '../bulk-upsert.js';
import type { UpsertSpec } from '../write-dialect.js';
import { segments } from './apply.js';
import type { ResolvedSide } from './mapping.js';
import { OUTBOX_TABLE, type NewOutboxEntry } from './outbox.js';
import type { NeutralRow } from './payload.js';
import type { TableContext } from './table-context.js';

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
  /** Insert outbox entries one by one so every entry id is known (needed to wait for the relay). Default false. */
  needIds?: boolean;
}

/** A batcher for one store. */
export interface BatchWriter {
  /** Queues a write; resolves with its outbox entry id (when known) once committed. */
  submit(w: BatchedWrite): Promise<number | undefined>;
}

function encodeRow(store: Store, w: BatchedWrite): { columns: string[]; values: unknown[] } {
  const logical = w.op === 'delete' ? [...w.t.key] : Object.keys(w.row);
  const cols = logical.map((c) => w.side.column(c));
  return { columns: cols.map((c) => c.name), values: logical.map((c, i) => store.dialect.values.encode(cols[i]!, w.row[c] ?? null)) };
}

async function writeData(trx: Knex.Transaction, store: Store, ws: readonly BatchedWrite[]): Promise<void> {
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
      if (w.op === 'delete') {
        if (key.length === 1) await trx(w.side.table).whereIn(key[0]!, g.map((x) => x.values[0]) as Knex.Value[]).del();
        else await trx(w.side.table).whereIn(key, g.map((x) => x.values) as Knex.Value[][]).del();
      } else if (w.op === 'insert') {
        await trx(w.side.table).insert(g.map((x) => Object.fromEntries(x.columns.map((c, i) => [c, x.values[i]]))));
      } else {
        const spec: UpsertSpec = { table: w.side.table, columns, key, guard: { t: 'overwrite' } };
        await upsertRows(trx, store.dialect.writes, spec, g.map((x) => x.values));
      }
    }
  }
}

async function writeOutbox(trx: Knex.Transaction, namespace: string, ws: readonly BatchedWrite[], needIds: boolean): Promise<Array<number | undefined>> {
  const rows = ws.map((w) => w.entry && { namespace, table_name: w.entry.table, key_json: w.entry.keyJson, partition_no: w.entry.partition, op: w.entry.op, row_json: w.entry.rowJson, created_at_ms: w.entry.createdAtMs });
  const present = rows.filter((r): r is NonNullable<typeof r> => r !== undefined);
  if (present.length === 0) return ws.map(() => undefined);
  const ids: Array<number | undefined> = [];
  if (needIds || present.length === 1) {
    for (const r of present) {
      const [first] = (await trx(OUTBOX_TABLE).insert(r, ['id'])) as Array<number | { id: number | string }>;
      ids.push(Number(typeof first === 'object' ? first.id : first));
    }
  } else {
    for (let i = 0; i < present.length; i += 500) {
      const out = (await trx(OUTBOX_TABLE).insert(present.slice(i, i + 500), ['id'])) as Array<number | { id: number | string }>;
      // PostgreSQL and SQLite return every id; MySQL returns only the first (ids then stay unknown).
      const all = out.length === Math.min(500, present.length - i);
      for (let j = 0; j < Math.min(500, present.length - i); j++) ids.push(all ? Number(typeof out[j] === 'object' ? (out[j] as { id: number }).id : out[j]) : undefined);
    }
  }
  let k = 0;
  return rows.map((r) => (r ? ids[k++] : undefined));
}

/** Creates the batcher for a store. */
export function createBatchWriter(store: Store, o: BatchWriterOptions): BatchWriter {
  const maxBatch = o.maxBatch ?? 256;
  const maxConcurrent = o.maxConcurrent ?? 4;
  const queue: Pending[] = [];
  let running = 0;
  let scheduled = false;

  const run = async (ws: readonly BatchedWrite[]): Promise<Array<number | undefined>> => {
    const data = ws.filter((w) => !w.mirrorOnly);
    const needsTx = ws.length > 1 || ws.some((w) => w.entry);
    if (!needsTx) {
      await writeData(store.knex as unknown as Knex.Transaction, store, data);
      return [undefined];
    }
    return store.knex.transaction(async (trx) => {
      await store.dialect.writes.lockKeys(trx, [...new Set(ws.map((w) => w.keyId))]);
      await writeData(trx, store, data);
      return writeOutbox(trx, o.namespace, ws, o.needIds ?? false);
    });
  };

  const flush = async (): Promise<void> => {
    scheduled = false;
    if (running >= maxConcurrent || queue.length === 0) return;
    const batch = queue.splice(0, maxBatch);
    running++;
    schedule();
    try {
      const ids = await run(batch);
      batch.forEach((w, i) => w.resolve(ids[i]));
    } catch (err) {
      if (batch.length === 1) batch[0]!.reject(err);
      else
        for (const w of batch) {
          try {
            w.resolve((await run([w]))[0]);
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
