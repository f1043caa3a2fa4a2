/**
 * The reference chat backends' datastore: one `messages` table, the same logical shape on
 * every engine (each backend owns one store). Ids are time-ordered (UUID v7-like) so key
 * order is send order.
 */
import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import type { Store } from '../store/connect.js';

/** A stored chat message. */
export interface ChatRow {
  id: string;
  room: string;
  sender: string;
  content: string;
  /** UTC, millisecond precision, `YYYY-MM-DD HH:MM:SS.mmm`. */
  sent_at: string;
  /** Monotonic per row: bumps on every write (the DualWriter's version column). */
  version: number;
}

/** Default table name. */
export const CHAT_TABLE = 'chat_messages';

/** Creates the messages table if it does not exist. */
export async function ensureChatTable(store: Store, table: string = CHAT_TABLE): Promise<void> {
  if (await store.knex.schema.hasTable(table)) return;
  await store.knex.schema.createTable(table, (t) => {
    t.string('id', 36).primary();
    t.string('room', 64).notNullable();
    t.string('sender', 64).notNullable();
    t.text('content').notNullable();
    t.datetime('sent_at', { precision: 3 }).notNullable();
    t.bigInteger('version').notNullable().defaultTo(1);
    t.index(['room', 'sent_at']);
  });
}

/** A time-ordered id: 48-bit ms timestamp + 80 random bits, formatted as a lower-case UUID. */
export function timeOrderedId(nowMs: number = Date.now()): string {
  const bytes = randomBytes(16);
  bytes.writeUIntBE(nowMs, 0, 6);
  bytes[6] = (bytes[6]! & 0x0f) | 0x70;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** `Date` → `YYYY-MM-DD HH:MM:SS.mmm` (UTC), the form every engine accepts for DATETIME(3). */
export function sqlDateTime(date: Date): string {
  return date.toISOString().replace('T', ' ').replace('Z', '');
}

/** Inserts one message; returns the stored row. */
export async function insertMessage(db: Knex, table: string, msg: { room: string; sender: string; content: string }, now: Date = new Date()): Promise<ChatRow> {
  const row: ChatRow = { id: timeOrderedId(now.getTime()), room: msg.room, sender: msg.sender, content: msg.content, sent_at: sqlDateTime(now), version: 1 };
  await db(table).insert(row);
  return row;
}

/** Messages of a room in send order (all rooms when `room` is empty), at most `limit` (0: all). */
export async function roomHistory(db: Knex, table: string, room: string, limit: number): Promise<ChatRow[]> {
  let q = db(table).select('id', 'room', 'sender', 'content', 'sent_at', 'version');
  if (room) q = q.where({ room });
  q = q.orderBy('id', 'asc');
  if (limit > 0) q = q.limit(limit);
  const rows = (await q) as ChatRow[];
  return rows.map((r) => ({ ...r, sent_at: normalizeDateTime(r.sent_at), version: Number(r.version) }));
}

/** Engines print DATETIME(3) differently (`...T...Z`, trailing zeros); this gives `YYYY-MM-DD HH:MM:SS.mmm`. */
export function normalizeDateTime(value: unknown): string {
  if (value instanceof Date) return sqlDateTime(value);
  const s = String(value).replace('T', ' ').replace(/Z$|\+00(:00)?$/, '');
  const [date, time = '00:00:00'] = s.split(' ');
  const [hms, frac = ''] = time.split('.');
  return `${date} ${hms}.${frac.padEnd(3, '0').slice(0, 3)}`;
}

/**
 * Writes `count` messages spread over the hour before `endMs` (time-ordered ids, so key
 * order is send order), in batches. The history that exists before the migration starts.
 */
export async function seedHistory(db: Knex, table: string, count: number, o: { rooms: string[]; users: string[]; endMs?: number }): Promise<void> {
  const end = o.endMs ?? Date.now() - 60_000;
  const stepMs = 3_600_000 / Math.max(1, count);
  for (let i = 0; i < count; i += 500) {
    const rows: ChatRow[] = [];
    for (let j = i; j < Math.min(count, i + 500); j++) {
      const at = new Date(Math.round(end - 3_600_000 + j * stepMs));
      const sender = o.users[j % o.users.length]!;
      rows.push({ id: timeOrderedId(at.getTime()), room: o.rooms[j % o.rooms.length]!, sender, content: `earlier message ${j + 1} from ${sender}`, sent_at: sqlDateTime(at), version: 1 });
    }
    await db(table).insert(rows);
  }
}

/** Drops the messages table if it exists. */
export async function dropChatTable(store: Store, table: string = CHAT_TABLE): Promise<void> {
  await store.knex.schema.dropTableIfExists(table);
}
