/** The append-only event log (audit trail) in the control database. */
import type { Knex } from 'knex';

/** Who did something. */
export type Actor = 'controller' | 'system' | `user:${string}` | `gate:${string}` | `proxy:${string}`;

/** An event to append. */
export interface NewEvent {
  /** Migration name; empty for events outside one. */
  migration?: string;
  /** Component that appends it: controller, proxy, reconcile, backfill, dual-writer, cli. */
  component: string;
  /** Who caused it. */
  actor: Actor | string;
  /** What happened, dotted: `stage.entered`, `split.changed`, `gate.failed`, `rollback`, ... */
  kind: string;
  /** Why, in words. */
  reason?: string;
  /** Structured data. */
  data?: Record<string, unknown>;
  /** When, epoch ms. Default now. */
  atMs?: number;
}

/** A stored event. */
export interface StoredEvent {
  id: number;
  atMs: number;
  migration: string;
  component: string;
  actor: string;
  kind: string;
  reason: string;
  data: Record<string, unknown>;
}

/** Appends an event; returns its id. Pass a transaction to append atomically with other writes. */
export async function appendEvent(db: Knex | Knex.Transaction, event: NewEvent): Promise<number> {
  const row = {
    at_ms: event.atMs ?? Date.now(),
    migration: event.migration ?? '',
    component: event.component,
    actor: event.actor,
    kind: event.kind,
    reason: event.reason ?? '',
    data_json: JSON.stringify(event.data ?? {}),
  };
  const result = (await db('sy_events').insert(row, ['id'])) as Array<number | { id: number | string }>;
  const first = result[0];
  return Number(typeof first === 'object' ? first.id : first);
}

/** Options for {@link listEvents}. */
export interface ListEventsOptions {
  /** Only this migration's events. */
  migration?: string;
  /** Only events with id greater than this. */
  afterId?: number;
  /** Most recent N (returned oldest first). Default: all. */
  last?: number;
  /** Only these kinds. */
  kinds?: string[];
}

/** Lists events, oldest first. */
export async function listEvents(db: Knex, options: ListEventsOptions = {}): Promise<StoredEvent[]> {
  let q = db('sy_events').select('*');
  if (options.migration !== undefined) q = q.where('migration', options.migration);
  if (options.afterId !== undefined) q = q.where('id', '>', options.afterId);
  if (options.kinds?.length) q = q.whereIn('kind', options.kinds);
  q = options.last ? q.orderBy('id', 'desc').limit(options.last) : q.orderBy('id', 'asc');
  const rows = (await q) as Array<Record<string, unknown>>;
  const events = rows.map((r) => ({
    id: Number(r['id']),
    atMs: Number(r['at_ms']),
    migration: String(r['migration']),
    component: String(r['component']),
    actor: String(r['actor']),
    kind: String(r['kind']),
    reason: String(r['reason']),
    data: JSON.parse(String(r['data_json'])) as Record<string, unknown>,
  }));
  return options.last ? events.reverse() : events;
}
