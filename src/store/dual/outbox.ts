/**
 * The outbox: `sy_outbox` and `sy_outbox_leases`, created by switchyard in each datastore's
 * own database (the primary's outbox entry must commit in the same transaction as the write).
 * One outbox row holds the entries of one primary transaction, in the order they were written
 * (a JSON array): a batch of coalesced writes costs one row to insert, claim and delete, not
 * one per write. A relay applies a namespace only while it holds the namespace's lease, in row
 * id order and entry order within a row, so writes to one key reach the other store in the
 * order they committed; other relay processes of the namespace stand by and take over when
 * the lease expires.
 */
import type { Knex } from 'knex';
import { fail } from '../../errors.js';
import type { Store } from '../connect.js';
import { transactionWithDeadline } from '../transaction-deadline.js';
import { decodeTagged, type NeutralRow } from './payload.js';
import { createTombstoneTables } from './tombstones.js';

/** Outbox table name. */
export const OUTBOX_TABLE = 'sy_outbox';
/** Lease table name. */
export const LEASE_TABLE = 'sy_outbox_leases';
/** The lease row of a namespace (`partition_no` is kept in the lease table's key for compatibility). */
const NAMESPACE_LEASE = 0;

/** A write recorded in the outbox. */
export interface NewOutboxEntry {
  /** Logical table. */
  table: string;
  /** The key as text (see `keyText`). */
  keyJson: string;
  op: 'upsert' | 'delete';
  /** The row (delete: the key columns) as written by `encodePayload`. */
  rowJson: string;
}

/** A stored entry: its outbox row and its place in it. */
export interface OutboxEntry {
  /** Id of the outbox row holding it. */
  id: number;
  /** Position within the row. */
  index: number;
  table: string;
  keyJson: string;
  op: 'upsert' | 'delete';
  /** The decoded row. */
  row: NeutralRow;
  createdAtMs: number;
  attempts: number;
}

/** Serialises entries (in write order) into one outbox row's payload. */
export function encodeEntries(entries: readonly NewOutboxEntry[]): string {
  let out = '[';
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    out += `${i ? ',' : ''}{"t":${JSON.stringify(e.table)},"k":${JSON.stringify(e.keyJson)},"o":"${e.op === 'delete' ? 'd' : 'u'}","r":${e.rowJson}}`;
  }
  return out + ']';
}

function decodeEntries(id: number, payload: string, createdAtMs: number, attempts: number): OutboxEntry[] {
  const parsed = JSON.parse(payload) as Array<{ t: string; k: string; o: string; r: Record<string, unknown> }>;
  return parsed.map((e, index) => ({ id, index, table: e.t, keyJson: e.k, op: e.o === 'd' ? 'delete' : 'upsert', row: decodeTagged(e.r), createdAtMs, attempts }));
}

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
  if ((await knex.schema.hasTable(OUTBOX_TABLE)) && !(await knex.schema.hasColumn(OUTBOX_TABLE, 'payload'))) {
    // An outbox of switchyard before 0.2 (one row per write): replace it when empty, refuse otherwise.
    const [counted] = (await knex(OUTBOX_TABLE).count({ n: '*' })) as Array<{ n: number | string }>;
    const n = Number(counted?.n ?? 0);
    if (n > 0) {
      throw fail('STORE_OUTBOX_OLD_FORMAT', `${OUTBOX_TABLE} holds ${n} entries in the format of an older switchyard`, {
        hint: 'let the older version drain it (switchyard_outbox_depth 0), then start this one',
      });
    }
    await knex.schema.dropTable(OUTBOX_TABLE);
  }
  if (!(await knex.schema.hasTable(OUTBOX_TABLE))) {
    await knex.schema.createTable(OUTBOX_TABLE, (t) => {
      t.bigIncrements('id').primary();
      t.string('namespace', 128).notNullable().defaultTo('default');
      t.integer('entries').notNullable(); // how many entries the payload holds
      t.text('payload', 'longtext').notNullable(); // JSON array of entries, see encodeEntries
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
  await createTombstoneTables(knex);
}

/** Creates the lease row of a namespace if missing. */
export async function ensureLeaseRows(knex: Knex, namespace: string): Promise<void> {
  await knex(LEASE_TABLE).insert({ namespace, partition_no: NAMESPACE_LEASE, owner: null, expires_at_ms: 0 }).onConflict(['namespace', 'partition_no']).ignore();
}

/** Takes the namespace's lease for `owner` when it is free or expired, or renews it; true while `owner` holds it. */
export async function acquireLease(knex: Knex, namespace: string, owner: string, leaseMs: number, nowMs: number): Promise<boolean> {
  await knex(LEASE_TABLE)
    .update({ owner, expires_at_ms: nowMs + leaseMs })
    .where({ namespace, partition_no: NAMESPACE_LEASE })
    .andWhere((w) => w.where('owner', owner).orWhere('expires_at_ms', '<', nowMs));
  const rows = (await knex(LEASE_TABLE).select('owner').where({ namespace, partition_no: NAMESPACE_LEASE, owner }).andWhere('expires_at_ms', '>', nowMs)) as unknown[];
  return rows.length > 0;
}

/** Gives up the lease of `owner`. */
export async function releaseLeases(knex: Knex, namespace: string, owner: string): Promise<void> {
  await knex(LEASE_TABLE).update({ owner: null, expires_at_ms: 0 }).where({ namespace, owner });
}

/** The statement (not yet started) inserting one outbox row holding `entries`; its result gives the id to {@link insertedId}. */
export function insertEntriesStatement(knex: Knex, namespace: string, entries: readonly NewOutboxEntry[], status: 'pending' | 'parked' = 'pending', lastError?: string): Knex.QueryBuilder {
  const row = { namespace, entries: entries.length, payload: encodeEntries(entries), created_at_ms: Date.now(), status, last_error: lastError ?? null };
  return knex(OUTBOX_TABLE).insert(row, ['id']);
}

/**
 * The id of the row an {@link insertEntriesStatement} inserted: knex answers `[id]` (MySQL) or
 * `[{ id }]` (PostgreSQL, SQLite); a merged MySQL statement answers with the driver's `{ insertId }`.
 */
export function insertedId(result: unknown): number {
  if (result && !Array.isArray(result) && typeof result === 'object' && 'insertId' in result) return Number((result as { insertId: number | string }).insertId);
  const [first] = result as Array<number | { id: number | string }>;
  return Number(typeof first === 'object' ? first.id : first);
}


/** The statement (not yet started) reading the oldest pending rows of a namespace, at most `maxRows`; decode its result with {@link claimedEntries}. */
export function claimStatement(knex: Knex, namespace: string, maxRows: number): Knex.QueryBuilder {
  return knex(OUTBOX_TABLE).select('id', 'payload', 'created_at_ms', 'attempts').where('namespace', namespace).andWhere('status', 'pending').orderBy('id', 'asc').limit(maxRows);
}

/**
 * The entries of rows read by {@link claimStatement}, in row id and entry order. A row whose
 * payload does not parse is parked at once (it would block the namespace forever).
 */
export async function claimedEntries(knex: Knex, result: unknown): Promise<{ rows: number; entries: OutboxEntry[] }> {
  const rows = result as Array<Record<string, unknown>>;
  const entries: OutboxEntry[] = [];
  for (const r of rows) {
    const id = Number(r['id']);
    try {
      for (const e of decodeEntries(id, String(r['payload']), Number(r['created_at_ms']), Number(r['attempts']))) entries.push(e);
    } catch (err) {
      await recordFailure(knex, [id], `outbox row ${id}: unreadable payload: ${(err as Error).message}`, true);
    }
  }
  return { rows: rows.length, entries };
}

/** The statements (not yet started) removing applied rows. */
export function removeStatements(knex: Knex, ids: readonly number[]): Knex.QueryBuilder[] {
  const out: Knex.QueryBuilder[] = [];
  for (let i = 0; i < ids.length; i += 1000) out.push(knex(OUTBOX_TABLE).whereIn('id', ids.slice(i, i + 1000) as number[]).del());
  return out;
}

/** Records a failed attempt on rows (and parks them when `park`). */
export async function recordFailure(knex: Knex, ids: readonly number[], error: string, park: boolean): Promise<void> {
  if (ids.length === 0) return;
  await knex(OUTBOX_TABLE)
    .whereIn('id', ids as number[])
    .update({ attempts: knex.raw('attempts + 1'), last_error: error.slice(0, 2000), ...(park ? { status: 'parked' } : {}) });
}

/** The statements (not yet started) parking entries that can never apply: each becomes a parked row of its own with its error. */
export function parkStatements(knex: Knex, namespace: string, parked: ReadonlyArray<{ entry: NewOutboxEntry; error: string }>): Knex.QueryBuilder[] {
  return parked.map((p) => insertEntriesStatement(knex, namespace, [p.entry], 'parked', p.error.slice(0, 2000)));
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
  const rows = (await knex(OUTBOX_TABLE).where('namespace', namespace).select('status').sum({ n: 'entries' }).min({ oldest: 'created_at_ms' }).groupBy('status')) as Array<{ status: string; n: number | string; oldest: number | string | null }>;
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
 * Forgets a namespace in one store: its outbox entries and relay lease. For tearing down
 * a migration whose tables were dropped (its entries could never apply); never while a
 * relay or writer of that namespace runs.
 */
export async function purgeNamespace(knex: Knex, namespace: string): Promise<void> {
  if (await knex.schema.hasTable(OUTBOX_TABLE)) await knex(OUTBOX_TABLE).where({ namespace }).delete();
  if (await knex.schema.hasTable(LEASE_TABLE)) await knex(LEASE_TABLE).where({ namespace }).delete();
}
