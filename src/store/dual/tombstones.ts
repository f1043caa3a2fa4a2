/**
 * Tombstones: a backfill running beside live dual writes must not bring back a row those
 * writes deleted. A delete that reaches a store through the DualWriter (the relay applying a
 * delete entry, or the primary's own delete) records `(table, key, time)` in `sy_tombstones`
 * in that store, in the same transaction; an upsert or insert of the key through the
 * DualWriter removes it in the same transaction. After each chunk a backfill removes from its
 * target the chunk's rows that carry a tombstone (see {@link watchDeletes}).
 *
 * **Only while a backfill watches.** Tombstones are needed only by a running backfill, so
 * writers keep them only for tables a backfill has registered in `sy_tombstone_watches` of
 * that store. Each process learns the registered tables by a small query at most every
 * {@link WATCH_REFRESH_MS} while it writes; a process whose knowledge is older than
 * {@link WATCH_STALE_MS} keeps tombstones for every table (never less than needed). Without a
 * backfill, writes carry no extra statement; with one, a transaction with deletes or upserts
 * of the watched table carries one more statement per kind.
 *
 * **Why this is race-free** (S = {@link WATCH_STALE_MS}, m = {@link WATCH_MARGIN_MS}, r = the
 * moment the backfill's registration committed). The backfill trusts only tombstones written
 * at or after `trustFrom = r + S + m`, and reads its first chunk after `trustFrom + m`.
 * - *No stale tombstone is trusted.* A writer decides whether to clear a key's tombstone after
 *   its row statement ran, from knowledge gathered by a query that started at most S earlier.
 *   If it did not see the registration, that query started before r, so the decision and the
 *   row write came before r + S; the tombstone it failed to clear was written by a delete
 *   that committed before that row write, i.e. before r + S < trustFrom: never trusted.
 * - *Every delete that can be undone is recorded and trusted.* A backfill undoes a delete
 *   only when it read the key from its source before the delete reached the source
 *   (legacy-primary: the relay's delete on the target starts after the source delete, so
 *   after the chunk read, after trustFrom + m): its writer decided after the registration
 *   was visible for S, so it records, at a time ≥ trustFrom.
 * - *The check sees every such tombstone.* MySQL/MariaDB (REPEATABLE READ, the default): a
 *   DELETE is a locking read, so a delete either waits for the chunk's uncommitted insert and
 *   removes the row, or holds its row/gap lock until it commits, so the chunk's insert (and
 *   the check after it) come after its tombstone. PostgreSQL: a DELETE does not see (nor
 *   wait for) a concurrent uncommitted insert, so a delete records its tombstone *before* its
 *   DELETE, and the check first takes `LOCK sy_tombstones IN SHARE MODE`, which waits for
 *   every transaction that has already written a tombstone; any later delete starts after the
 *   chunk committed and removes the row itself. SQLite has one writer: transactions are
 *   totally ordered.
 * - *The check never removes a re-inserted row.* It locks the candidate rows first and
 *   re-reads their tombstones after (the order writers use: row, then tombstone), so an upsert
 *   either committed before (its tombstone is gone) or waits and re-inserts after.
 *
 * Tombstones go when no watch needs them: writers purge those older than the oldest
 * watch's `trustFrom` (or than their own last look, with no watch) every
 * {@link PURGE_INTERVAL_MS}; a watch's retention (default 24 h) bounds what it keeps.
 * Clocks of writer and backfill hosts must agree within m (as for outbox leases).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { upsertRows } from '../bulk-upsert.js';
import type { Store } from '../connect.js';
import type { Neutral } from '../neutral.js';
import { transactionWithDeadline } from '../transaction-deadline.js';
import type { UpsertSpec } from '../write-dialect.js';
import { ensureOutbox } from './outbox.js';
import { decodePayload } from './payload.js';

/** Tombstone table name. */
export const TOMBSTONE_TABLE = 'sy_tombstones';
/** Registered backfills (watches) table name. */
export const WATCH_TABLE = 'sy_tombstone_watches';
/** Longest a writer trusts its knowledge of the watched tables, ms. */
export const WATCH_STALE_MS = 500;
/** How often a writing process refreshes that knowledge, ms. */
export const WATCH_REFRESH_MS = 100;
/** Clock and commit-latency margin, ms. */
export const WATCH_MARGIN_MS = 100;
/** How often a writing process purges tombstones no watch needs, ms. */
export const PURGE_INTERVAL_MS = 30_000;
/** Default retention of tombstones while a backfill runs: 24 h. */
export const DEFAULT_TOMBSTONE_RETENTION_MS = 24 * 3600_000;
/** A watch expires when its backfill stops renewing it for this long (crashed backfill), ms. */
export const WATCH_EXPIRY_MS = 5 * 60_000;
const IDLE_STOP_MS = 10_000;
const LOOK_TIMEOUT_MS = 5000;

/** Creates the tombstone tables if missing (called by `ensureOutbox`, under the store's DDL lock). */
export async function createTombstoneTables(knex: Knex): Promise<void> {
  if (!(await knex.schema.hasTable(TOMBSTONE_TABLE))) {
    await knex.schema.createTable(TOMBSTONE_TABLE, (t) => {
      t.string('table_name', 255).notNullable();
      t.string('key_hash', 40).notNullable();
      t.text('key_text').notNullable();
      t.bigInteger('deleted_at_ms').notNullable();
      t.primary(['table_name', 'key_hash']);
      t.index(['deleted_at_ms'], 'sy_tombstones_age');
    });
  }
  if (!(await knex.schema.hasTable(WATCH_TABLE))) {
    await knex.schema.createTable(WATCH_TABLE, (t) => {
      t.string('id', 64).primary();
      t.string('table_name', 255).notNullable();
      t.bigInteger('trust_from_ms').notNullable();
      t.bigInteger('expires_at_ms').notNullable();
    });
  }
}

/** One key: its canonical text (column names and values, engine-independent) and hash. */
export interface TombstoneKey {
  text: string;
  hash: string;
}

function canonical(v: Neutral): string | null {
  if (v === null) return null;
  if (Buffer.isBuffer(v)) return `\\x${v.toString('hex')}`;
  if (typeof v === 'boolean') return v ? '1' : '0';
  if (typeof v === 'string') return /^\d{4,}-\d\d-\d\d[ T]\d\d:\d\d:\d\d\.\d+$/.test(v) ? v.replace('T', ' ').replace(/\.?0+$/, '') : v;
  return String(v);
}

/** The tombstone key of a row key: physical column names (any case) and neutral values. */
export function tombstoneKey(columns: readonly string[], values: readonly Neutral[]): TombstoneKey {
  const pairs = columns.map((c, i) => [c.toLowerCase(), canonical(values[i] ?? null)] as const).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const text = JSON.stringify(pairs);
  return { text, hash: createHash('sha1').update(text).digest('hex') };
}

/** What a process knows about the watched tables of one store. */
interface Knowledge {
  tables: Set<string>;
  /** performance.now() when the last successful look started (-Infinity: never). */
  lookedAt: number;
  looking: boolean;
  timer: NodeJS.Timeout | undefined;
  lastUse: number;
  purgedAt: number;
}

const knowledge = new WeakMap<Knex, Knowledge>();

async function look(knex: Knex, k: Knowledge): Promise<void> {
  if (k.looking) return;
  k.looking = true;
  try {
    const started = performance.now();
    const startedAtMs = Date.now();
    // A store that stops answering must not hold a pooled connection (or this look) forever.
    const rows = (await transactionWithDeadline(knex, LOOK_TIMEOUT_MS, (trx) => trx(WATCH_TABLE).select('table_name', 'trust_from_ms').where('expires_at_ms', '>', startedAtMs))) as Array<{ table_name: string; trust_from_ms: number | string }>;
    k.tables = new Set(rows.map((r) => r.table_name));
    k.lookedAt = started;
    if (performance.now() - k.purgedAt >= PURGE_INTERVAL_MS) {
      k.purgedAt = performance.now();
      // No watch trusts a tombstone older than its trustFrom; one registered after this look
      // started trusts only tombstones written after startedAtMs + S.
      const cutoff = Math.min(startedAtMs - WATCH_MARGIN_MS, ...rows.map((r) => Number(r.trust_from_ms)));
      await transactionWithDeadline(knex, LOOK_TIMEOUT_MS, (trx) => trx(TOMBSTONE_TABLE).where('deleted_at_ms', '<', cutoff).del());
    }
  } catch {
    // Knowledge stays stale: writers keep tombstones for every table until a look succeeds.
  } finally {
    k.looking = false;
  }
}

/**
 * True when writes to `table` in this store must maintain tombstones: a backfill watches it,
 * or this process has not looked recently enough to know it does not. Never waits.
 */
export function watched(store: Store, table: string): boolean {
  const knex = store.knex;
  let k = knowledge.get(knex);
  const now = performance.now();
  if (!k) {
    k = { tables: new Set(), lookedAt: -Infinity, looking: false, timer: undefined, lastUse: now, purgedAt: -Infinity };
    knowledge.set(knex, k);
  }
  k.lastUse = now;
  if (!k.timer) {
    const kk = k;
    void look(knex, kk);
    kk.timer = setInterval(() => {
      if (performance.now() - kk.lastUse > IDLE_STOP_MS) {
        clearInterval(kk.timer);
        kk.timer = undefined;
        return;
      }
      void look(knex, kk);
    }, WATCH_REFRESH_MS);
    kk.timer.unref();
  }
  if (now - k.lookedAt >= WATCH_STALE_MS) return true;
  return k.tables.has(table);
}

/** PostgreSQL records a delete's tombstone before its DELETE (see the module comment). */
export function tombstoneFirst(store: Store): boolean {
  return store.dialect.name === 'postgres';
}

const RECORD_SPEC: UpsertSpec = { table: TOMBSTONE_TABLE, columns: ['table_name', 'key_hash', 'key_text', 'deleted_at_ms'], key: ['table_name', 'key_hash'], guard: { t: 'overwrite' } };

/** The neutral values of a key text written by `keyText` (the outbox's `keyJson`). */
function keyValues(keyJson: string): Neutral[] {
  return decodePayload(keyJson) as unknown as Neutral[];
}

/**
 * Records tombstones for keys deleted from `table` (physical) in this transaction, when the
 * table is watched. `columns`: the physical key columns; `keys`: the keys as `keyText` JSON,
 * values in `columns` order.
 */
export async function recordTombstones(trx: Knex.Transaction, store: Store, table: string, columns: readonly string[], keys: readonly string[]): Promise<void> {
  if (keys.length === 0 || !watched(store, table)) return;
  const now = Date.now();
  const rows = new Map<string, unknown[]>();
  for (const k of keys) {
    const t = tombstoneKey(columns, keyValues(k));
    rows.set(t.hash, [table, t.hash, t.text, now]);
  }
  await upsertRows(trx, store.dialect.writes, RECORD_SPEC, [...rows.values()]);
}

/** Removes the tombstones of keys written (upserted, inserted) to `table` in this transaction, when the table is watched. */
export async function clearTombstones(trx: Knex.Transaction, store: Store, table: string, columns: readonly string[], keys: readonly string[]): Promise<void> {
  if (keys.length === 0 || !watched(store, table)) return;
  const hashes = [...new Set(keys.map((k) => tombstoneKey(columns, keyValues(k)).hash))];
  for (let i = 0; i < hashes.length; i += 1000) await trx(TOMBSTONE_TABLE).where('table_name', table).whereIn('key_hash', hashes.slice(i, i + 1000)).del();
}

/** A key a backfill chunk wrote: neutral values (for the tombstone key) and the target's bind values. */
export interface WrittenKey {
  key: readonly Neutral[];
  bind: readonly unknown[];
}

/** Options of {@link watchDeletes}. */
export interface WatchOptions {
  /** Tombstones older than this are not kept for this watch, ms. Default 24 h. */
  retentionMs?: number;
}

/** A backfill's watch on deletes to its target table. */
export interface DeleteWatch {
  /** Tombstones written at or after this time (ms since epoch) are trusted. */
  readonly trustFromMs: number;
  /** Resolves once writers are known to keep tombstones (before the first chunk is read). */
  settled(): Promise<void>;
  /**
   * After a chunk committed: removes the chunk's rows that a live dual-write delete removed
   * (they carry a trusted tombstone). `keyColumns`: the target's physical key columns, in the
   * order of each key's values; `keys` is called only when the table has such tombstones.
   * Returns the rows removed.
   */
  reap(keyColumns: readonly string[], keys: () => readonly WrittenKey[]): Promise<number>;
  /** Ends the watch (tombstones it alone needed are purged). */
  stop(): Promise<void>;
}

const isDeadlock = (err: unknown): boolean => /deadlock|ER_LOCK_DEADLOCK|40P01|SQLITE_BUSY/i.test(`${(err as { code?: string }).code ?? ''} ${(err as Error).message}`);

/** Registers a watch on deletes to `table` in `target` (creating the tombstone tables if missing). */
export async function watchDeletes(target: Store, table: string, o: WatchOptions): Promise<DeleteWatch> {
  await ensureOutbox(target);
  const retentionMs = o.retentionMs ?? DEFAULT_TOMBSTONE_RETENTION_MS;
  const knex = target.knex;
  const id = `${table.slice(0, 40)}:${randomBytes(8).toString('hex')}`;
  await knex(WATCH_TABLE).where('expires_at_ms', '<', Date.now() - WATCH_EXPIRY_MS).del();
  await knex(WATCH_TABLE).insert({ id, table_name: table, trust_from_ms: Number.MAX_SAFE_INTEGER, expires_at_ms: Date.now() + WATCH_EXPIRY_MS });
  const registeredAt = Date.now();
  let trustFromMs = registeredAt + WATCH_STALE_MS + WATCH_MARGIN_MS;
  await knex(WATCH_TABLE).where({ id }).update({ trust_from_ms: trustFromMs });
  const renew = async (): Promise<void> => {
    trustFromMs = Math.max(trustFromMs, Date.now() - retentionMs);
    await knex(WATCH_TABLE).where({ id }).update({ trust_from_ms: trustFromMs, expires_at_ms: Date.now() + WATCH_EXPIRY_MS });
  };
  const heartbeat = setInterval(() => void renew().catch(() => undefined), 60_000);
  heartbeat.unref();
  const q = (n: string): string => target.dialect.quoteIdent(n);
  const locking = target.dialect.name !== 'sqlite';

  const reapOnce = async (keyCols: readonly string[], keys: () => readonly WrittenKey[]): Promise<number> => {
    const since = Math.max(trustFromMs, Date.now() - retentionMs);
    const select = (db: Knex): Promise<Array<{ key_hash: string; key_text: string }>> => db(TOMBSTONE_TABLE).select('key_hash', 'key_text').where('table_name', table).andWhere('deleted_at_ms', '>=', since);
    // PostgreSQL: the lock waits for every transaction that wrote a tombstone and is still open;
    // the SELECT after it (READ COMMITTED: a new snapshot) sees what they committed.
    const tombs =
      target.dialect.name === 'postgres'
        ? await knex.transaction(async (trx) => {
            await trx.raw(`lock table ${q(TOMBSTONE_TABLE)} in share mode`);
            return select(trx);
          })
        : await select(knex);
    if (tombs.length === 0) return 0;
    const texts = new Set(tombs.map((t) => t.key_text));
    const hits: Array<{ hash: string; bind: readonly unknown[] }> = [];
    for (const k of keys()) {
      const t = tombstoneKey(keyCols, k.key);
      if (texts.has(t.text)) hits.push({ hash: t.hash, bind: k.bind });
    }
    if (hits.length === 0) return 0;
    return knex.transaction(async (trx) => {
      let removed = 0;
      for (let i = 0; i < hits.length; i += 500) {
        const part = hits.slice(i, i + 500);
        const where = (qb: Knex.QueryBuilder, rows: typeof part): Knex.QueryBuilder =>
          keyCols.length === 1 ? qb.whereIn(keyCols[0]!, rows.map((h) => h.bind[0]) as Knex.Value[]) : qb.whereIn([...keyCols], rows.map((h) => [...h.bind]) as Knex.Value[][]);
        // Rows first, then their tombstones: the order writers take them in.
        const lockRows = where(trx(table).select([...keyCols]), part);
        await (locking ? lockRows.forUpdate() : lockRows);
        const still = trx(TOMBSTONE_TABLE).select('key_hash').where('table_name', table).andWhere('deleted_at_ms', '>=', since).whereIn('key_hash', part.map((h) => h.hash));
        // MySQL's REPEATABLE READ would read the snapshot of the first read; a locking read sees the latest.
        const live = new Set(((await (target.dialect.name === 'mysql' ? still.forUpdate() : still)) as Array<{ key_hash: string }>).map((r) => r.key_hash));
        const gone = part.filter((h) => live.has(h.hash));
        if (gone.length) removed += Number(await where(trx(table), gone).del());
      }
      return removed;
    });
  };

  return {
    get trustFromMs() {
      return trustFromMs;
    },
    async settled() {
      const wait = trustFromMs + WATCH_MARGIN_MS - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    },
    async reap(keyColumns, keys) {
      for (let attempt = 1; ; attempt++) {
        try {
          return await reapOnce(keyColumns, keys);
        } catch (err) {
          if (attempt >= 5 || !isDeadlock(err)) throw err;
          await new Promise((r) => setTimeout(r, 20 * attempt));
        }
      }
    },
    async stop() {
      clearInterval(heartbeat);
      await knex.transaction(async (trx) => {
        await trx(WATCH_TABLE).where({ id }).del();
        const others = (await trx(WATCH_TABLE).where('table_name', table).andWhere('expires_at_ms', '>', Date.now()).min({ m: 'trust_from_ms' })) as Array<{ m: number | string | null }>;
        // A watch registered after this trusts only tombstones written after now + S.
        const q = trx(TOMBSTONE_TABLE).where('table_name', table);
        await (others[0]?.m != null ? q.andWhere('deleted_at_ms', '<', Number(others[0].m)) : q).del();
      });
    },
  };
}
