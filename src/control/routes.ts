/**
 * The traffic split in the control database. The controller (or an operator) writes it;
 * every proxy reads it. Splits are in basis points of a percent: 0–10000 = 0.00–100.00 %
 * of calls sent to the next upstream, so 0.01 % granularity is exact.
 */
import type { Knex } from 'knex';
import { fail } from '../errors.js';
import { appendEvent } from './events.js';

/** Largest split: 100 %. */
export const FULL_SPLIT_BP = 10_000;

/** `class:reads`, `class:writes`, `class:default` or `method:/pkg.Service/Method`. */
export type RouteTarget = `class:${string}` | `method:${string}`;

/** One stored split. */
export interface Route {
  migration: string;
  target: RouteTarget;
  /** Share to the next upstream, 0–10000 (hundredths of a percent). */
  splitBp: number;
  version: number;
  actor: string;
  reason: string;
  updatedAtMs: number;
}

/** Percent (0–100, up to two decimals) → basis points of a percent. Throws on anything else. */
export function percentToBp(percent: number): number {
  if (!Number.isFinite(percent) || percent < 0 || percent > 100) throw fail('INVALID_ARGUMENT', `split ${percent} is outside 0–100 %`);
  const bp = Math.round(percent * 100);
  if (Math.abs(bp - percent * 100) > 1e-6) throw fail('INVALID_ARGUMENT', `split ${percent} % has more than two decimals (granularity is 0.01 %)`);
  return bp;
}

/** Basis points → percent. */
export function bpToPercent(bp: number): number {
  return bp / 100;
}

/** A split change. */
export interface SetSplitInput {
  migration: string;
  target: RouteTarget;
  splitBp: number;
  actor: string;
  reason: string;
}

/**
 * Sets splits atomically (one transaction, one new version for all), appending one
 * `split.changed` event each. Returns the new version.
 */
export async function setSplits(db: Knex, changes: SetSplitInput[], nowMs: number = Date.now()): Promise<number> {
  for (const c of changes) {
    if (!Number.isInteger(c.splitBp) || c.splitBp < 0 || c.splitBp > FULL_SPLIT_BP) throw fail('INVALID_ARGUMENT', `split for ${c.target} must be an integer 0–10000 basis points, got ${c.splitBp}`);
  }
  return db.transaction(async (trx) => {
    const row = (await trx('sy_routes').max({ v: 'version' }).first()) as { v: number | string | null } | undefined;
    const version = Number(row?.v ?? 0) + 1;
    for (const c of changes) {
      const previous = (await trx('sy_routes').where({ migration: c.migration, target: c.target }).first()) as { split_bp: number } | undefined;
      const values = { split_bp: c.splitBp, version, actor: c.actor, reason: c.reason, updated_at_ms: nowMs };
      await trx('sy_routes').insert({ migration: c.migration, target: c.target, ...values }).onConflict(['migration', 'target']).merge(values);
      await appendEvent(trx, {
        migration: c.migration,
        component: 'routes',
        actor: c.actor,
        kind: 'split.changed',
        reason: c.reason,
        data: { target: c.target, fromBp: previous ? Number(previous.split_bp) : null, toBp: c.splitBp, version },
        atMs: nowMs,
      });
    }
    // PostgreSQL: proxies LISTENing on the channel learn of the change at commit.
    if ((db.client as { config: { client?: unknown } }).config.client === 'pg') await trx.raw('select pg_notify(?, ?)', [ROUTES_CHANNEL, String(version)]);
    return version;
  });
}

/** Reads every split of a migration. */
export async function getRoutes(db: Knex, migration: string): Promise<Route[]> {
  const rows = (await db('sy_routes').where({ migration }).orderBy('target')) as Array<Record<string, unknown>>;
  return rows.map((r) => ({
    migration: String(r['migration']),
    target: String(r['target']) as RouteTarget,
    splitBp: Number(r['split_bp']),
    version: Number(r['version']),
    actor: String(r['actor']),
    reason: String(r['reason']),
    updatedAtMs: Number(r['updated_at_ms']),
  }));
}

/** The highest route version (0 when none): a cheap "did anything change?" poll. */
export async function routesVersion(db: Knex): Promise<number> {
  const row = (await db('sy_routes').max({ v: 'version' }).first()) as { v: number | string | null } | undefined;
  return Number(row?.v ?? 0);
}

/** The PostgreSQL NOTIFY channel a split change is announced on. */
export const ROUTES_CHANNEL = 'switchyard_routes';
