/**
 * The outbox: `sy_outbox` and `sy_outbox_leases`, created by switchyard in each datastore's
 * own database (the primary's outbox entry must commit in the same transaction as the write).
 * Entries are partitioned by a hash of (table, key); a relay applies a partition only while it
 * holds that partition's lease, in entry-id order, so writes to one key reach the other store
 * in the order they committed, even with several relay processes.
 */
import type { Knex } from 'knex';
import type { Store } from '../connect.js';
import { transactionWithDeadline } from '../transaction-deadline.js';

/** Outbox table name. */
export const OUTBOX_TABLE = 'sy_outbox';
/** Lease table name. */
export const LEASE_TABLE = 'sy_outbox_leases';
/** Number of partitions (fixed: every process must agree). */
export const OUTBOX_PARTITIONS = 16;

/** A stored outbox entry. */
export interface OutboxEntry {
  id: number;
  table: string;
  keyJson: string;
  partition: number;
  op: 'upsert' | 'delete';
  rowJson: string;
  createdAtMs: number;
  attempts: number;
}

/** A new entry. */
export type NewOutboxEntry = Omit<OutboxEntry, 'id' | 'attempts'>;

const ensured = new WeakMap<Knex, Promise<void>>();

/** Creates the outbox tables in a store if missing (under the store's lock; once per pool). */
export function ensureOutbox(store: Store): Promise<void> {
  let p = ensured.get(store.knex);
  if (!p) {
    p = store.dialect.withLock(store.knex, 'switchyard:outbox-ddl', () => createTables(store.knex));
    p.catch(() => ensured.delete(store.knex));
    ensured.set(store.knex, p);
  }
  return p;
}

async function createTables(knex: Knex): Promise<void> {
  if (!(await knex.schema.hasTable(OUTBOX_TABLE))) {
    await knex.schema.createTable(OUTBOX_TABLE, (t) => {
      t.bigIncrements('id').primary();
      t.string('namespace', 128).notNullable().defaultTo('default');
      t.string('table_name', 255).notNullable();
      t.text('key_json').notNullable();
      t.integer('partition_no').notNullable();
      t.string('op', 8).notNullable(); // upsert | delete
      t.text('row_json').notNullable();
      t.bigInteger('created_at_ms').notNullable();
      t.integer('attempts').notNullable().defaultTo(0);
      t.string('status', 8).notNullable().defaultTo('pending'); // pending | parked
      t.text('last_error').nullable();
    });
  }
  // Claims read `namespace, status` in id order and stop at the batch size (no sort of the backlog).
  try {
    await knex.schema.alterTable(OUTBOX_TABLE, (t) => t.index(['namespace', 'status', 'id'], 'sy_outbox_claim'));
  } catch (err) {
    if (!/exist|duplicate/i.test((err as Error).message)) throw err;
  }
  if (!(await knex.schema.hasTable(LEASE_TABLE))) {
    await knex.schema.createTable(LEASE_TABLE, (t) => {
      t.string('namespace', 128).notNullable();
      t.integer('partition_no').notNullable();
      t.string('owner', 255).nullable();
      t.bigInteger('expires_at_ms').notNullable().defaultTo(0);
      t.primary(['namespace', 'partition_no']);
    });
  }
}

/** Creates the lease rows of a namespace if missing. */
export async function ensureLeaseRows(knex: Knex, namespace: string): Promise<void> {
  const rows = Array.from({ length: OUTBOX_PARTITIONS }, (_, i) => ({ namespace, partition_no: i, owner: null, expires_at_ms: 0 }));
  await knex(LEASE_TABLE).insert(rows).onConflict(['namespace', 'partition_no']).ignore();
}

/** Takes every free or expired partition lease for `owner` and renews its own; returns the partitions held. */
export async function acquireLeases(knex: Knex, namespace: string, owner: string, leaseMs: number, nowMs: number): Promise<number[]> {
  await knex(LEASE_TABLE)
    .update({ owner, expires_at_ms: nowMs + leaseMs })
    .where('namespace', namespace)
    .andWhere((w) => w.where('owner', owner).orWhere('expires_at_ms', '<', nowMs));
  const rows = (await knex(LEASE_TABLE).select('partition_no').where({ namespace, owner }).andWhere('expires_at_ms', '>', nowMs)) as { partition_no: number }[];
  return rows.map((r) => Number(r.partition_no)).sort((a, b) => a - b);
}

/** Gives up the leases of `owner`. */
export async function releaseLeases(knex: Knex, namespace: string, owner: string): Promise<void> {
  await knex(LEASE_TABLE).update({ owner: null, expires_at_ms: 0 }).where({ namespace, owner });
}

/** The oldest pending entries of the given partitions, in id order. */
export async function claimBatch(knex: Knex, namespace: string, partitions: readonly number[], limit: number): Promise<OutboxEntry[]> {
  if (partitions.length === 0) return [];
  const rows = (await knex(OUTBOX_TABLE)
    .select('id', 'table_name', 'key_json', 'partition_no', 'op', 'row_json', 'created_at_ms', 'attempts')
    .where('namespace', namespace)
    .andWhere('status', 'pending')
    .modify((q) => {
      if (partitions.length < OUTBOX_PARTITIONS) q.whereIn('partition_no', partitions as number[]);
    })
    .orderBy('id', 'asc')
    .limit(limit)) as Array<Record<string, unknown>>;
  return rows.map((r) => ({
    id: Number(r['id']),
    table: String(r['table_name']),
    keyJson: String(r['key_json']),
    partition: Number(r['partition_no']),
    op: r['op'] === 'delete' ? 'delete' : 'upsert',
    rowJson: String(r['row_json']),
    createdAtMs: Number(r['created_at_ms']),
    attempts: Number(r['attempts']),
  }));
}

/** Removes applied entries. */
export async function removeEntries(knex: Knex, ids: readonly number[]): Promise<void> {
  for (let i = 0; i < ids.length; i += 1000) await knex(OUTBOX_TABLE).whereIn('id', ids.slice(i, i + 1000) as number[]).del();
}

/** Records a failed attempt on entries (and parks them when `park`). */
export async function recordFailure(knex: Knex, ids: readonly number[], error: string, park: boolean): Promise<void> {
  if (ids.length === 0) return;
  await knex(OUTBOX_TABLE)
    .whereIn('id', ids as number[])
    .update({ attempts: knex.raw('attempts + 1'), last_error: error.slice(0, 2000), ...(park ? { status: 'parked' } : {}) });
}

/** Outbox depth and the age of its oldest pending entry. */
export interface OutboxStats {
  /** Pending entries (NaN when the store could not be asked). */
  depth: number;
  /** Entries parked after a permanent failure (need attention). */
  parked: number;
  /** Age of the oldest pending entry, ms (0 when empty). */
  oldestAgeMs: number;
  /** Why the store could not be asked, if it could not. */
  error?: string;
}

/** Reads the outbox statistics of a namespace (zeros when the store has no outbox yet). */
export async function outboxStats(knex: Knex, namespace: string, nowMs = Date.now()): Promise<OutboxStats> {
  if (!(await knex.schema.hasTable(OUTBOX_TABLE))) return { depth: 0, parked: 0, oldestAgeMs: 0 };
  const rows = (await knex(OUTBOX_TABLE).where('namespace', namespace).select('status').count({ n: '*' }).min({ oldest: 'created_at_ms' }).groupBy('status')) as Array<{ status: string; n: number | string; oldest: number | string | null }>;
  const pending = rows.find((r) => r.status === 'pending');
  const parked = rows.find((r) => r.status === 'parked');
  return {
    depth: Number(pending?.n ?? 0),
    parked: Number(parked?.n ?? 0),
    oldestAgeMs: pending?.oldest != null ? Math.max(0, nowMs - Number(pending.oldest)) : 0,
  };
}

/** {@link outboxStats} with a deadline; a store that cannot be asked yields `depth: NaN` and `error`. */
export async function outboxStatsWithin(knex: Knex, namespace: string, timeoutMs: number): Promise<OutboxStats> {
  try {
    return await transactionWithDeadline(knex, timeoutMs, (trx) => outboxStats(trx, namespace));
  } catch (err) {
    return { depth: Number.NaN, parked: Number.NaN, oldestAgeMs: Number.NaN, error: (err as Error).message };
  }
}

/**
 * Forgets a namespace in one store: its outbox entries and partition leases. For tearing down
 * a migration whose tables were dropped (its entries could never apply); never while a
 * relay or writer of that namespace runs.
 */
export async function purgeNamespace(knex: Knex, namespace: string): Promise<void> {
  if (await knex.schema.hasTable(OUTBOX_TABLE)) await knex(OUTBOX_TABLE).where({ namespace }).delete();
  if (await knex.schema.hasTable(LEASE_TABLE)) await knex(LEASE_TABLE).where({ namespace }).delete();
}
