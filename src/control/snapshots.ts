/**
 * Proxy metric snapshots and shadow mismatches in the control database: proxies write
 * them every interval, the controller's gates read them. Counters in a row are deltas for
 * its interval, so any window is the sum of the rows in it.
 */
import type { Knex } from 'knex';
import { emptyHistogram, mergeInto, type Histogram } from './histogram.js';

/** Which backend served a call. */
export type UpstreamName = 'legacy' | 'next';

/** One interval's counters for one proxy × method × upstream. */
export interface MetricSnapshot {
  migration: string;
  proxyId: string;
  /** End of the interval, epoch ms. */
  atMs: number;
  intervalMs: number;
  /** `/pkg.Service/Method`. */
  method: string;
  /** `reads`, `writes` or `default`. */
  methodClass: string;
  upstream: UpstreamName;
  calls: number;
  /** Calls that ended with a server-fault code (UNKNOWN, INTERNAL, UNAVAILABLE, DATA_LOSS, DEADLINE_EXCEEDED, ...). */
  errors: number;
  /** Calls per status code name. */
  codes: Record<string, number>;
  latency: Histogram;
  shadowCompared: number;
  shadowMismatched: number;
  shadowDropped: number;
}

/** Writes snapshots (one transaction). */
export async function insertSnapshots(db: Knex, rows: MetricSnapshot[]): Promise<void> {
  if (rows.length === 0) return;
  await db.transaction(async (trx) => {
    for (let i = 0; i < rows.length; i += 200) {
      await trx('sy_metric_snapshots').insert(
        rows.slice(i, i + 200).map((r) => ({
          migration: r.migration,
          proxy_id: r.proxyId,
          at_ms: r.atMs,
          interval_ms: r.intervalMs,
          method: r.method,
          method_class: r.methodClass,
          upstream: r.upstream,
          calls: r.calls,
          errors: r.errors,
          codes_json: JSON.stringify(r.codes),
          latency_json: JSON.stringify(r.latency),
          shadow_compared: r.shadowCompared,
          shadow_mismatched: r.shadowMismatched,
          shadow_dropped: r.shadowDropped,
        })),
      );
    }
  });
}

/**
 * Which snapshots to sum: those whose whole interval lies in the window, so a change at
 * `sinceMs` (a stage start, a split change) is never judged by traffic from before it.
 */
export interface SnapshotWindow {
  migration: string;
  /** Intervals that start at or after this, epoch ms. */
  sinceMs: number;
  /** Interval ends at or before this, epoch ms. Default: no bound. */
  untilMs?: number;
  /** Only this method class. Default: all. */
  methodClass?: string;
  /** Only this method. Default: all. */
  method?: string;
}

/** Sums for one upstream over a window: the snapshot counters, plus how many proxies reported. */
export interface UpstreamTotals extends Pick<MetricSnapshot, 'calls' | 'errors' | 'codes' | 'latency' | 'shadowCompared' | 'shadowMismatched' | 'shadowDropped'> {
  /** Distinct proxies that reported. */
  proxies: number;
}

function emptyTotals(): UpstreamTotals {
  return { calls: 0, errors: 0, codes: {}, latency: emptyHistogram(), shadowCompared: 0, shadowMismatched: 0, shadowDropped: 0, proxies: 0 };
}

/** Sums the snapshots in a window, per upstream. */
export async function sumSnapshots(db: Knex, window: SnapshotWindow): Promise<Record<UpstreamName, UpstreamTotals>> {
  let q = db('sy_metric_snapshots').where('migration', window.migration).andWhere(db.raw('at_ms - interval_ms'), '>=', window.sinceMs);
  if (window.untilMs !== undefined) q = q.andWhere('at_ms', '<=', window.untilMs);
  if (window.methodClass !== undefined) q = q.andWhere('method_class', window.methodClass);
  if (window.method !== undefined) q = q.andWhere('method', window.method);
  const rows = (await q.select('proxy_id', 'upstream', 'calls', 'errors', 'codes_json', 'latency_json', 'shadow_compared', 'shadow_mismatched', 'shadow_dropped')) as Array<Record<string, unknown>>;
  const out: Record<UpstreamName, UpstreamTotals> = { legacy: emptyTotals(), next: emptyTotals() };
  const proxies: Record<UpstreamName, Set<string>> = { legacy: new Set(), next: new Set() };
  for (const r of rows) {
    const up = r['upstream'] === 'next' ? 'next' : 'legacy';
    const t = out[up];
    proxies[up].add(String(r['proxy_id']));
    t.calls += Number(r['calls']);
    t.errors += Number(r['errors']);
    t.shadowCompared += Number(r['shadow_compared']);
    t.shadowMismatched += Number(r['shadow_mismatched']);
    t.shadowDropped += Number(r['shadow_dropped']);
    for (const [code, n] of Object.entries(JSON.parse(String(r['codes_json'])) as Record<string, number>)) t.codes[code] = (t.codes[code] ?? 0) + n;
    const h = JSON.parse(String(r['latency_json'])) as Partial<Histogram>;
    if (Array.isArray(h.boundsMs) && Array.isArray(h.counts)) mergeInto(t.latency, h as Histogram);
  }
  out.legacy.proxies = proxies.legacy.size;
  out.next.proxies = proxies.next.size;
  return out;
}

/** One shadow comparison that differed. */
export interface ShadowMismatch {
  migration: string;
  proxyId: string;
  atMs: number;
  method: string;
  primaryUpstream: UpstreamName;
  /** Field-level differences: `{ path, primary, shadow }`. */
  diff: Array<{ path: string; primary: unknown; shadow: unknown }>;
}

/** Stores shadow mismatch samples. */
export async function insertShadowMismatches(db: Knex, rows: ShadowMismatch[]): Promise<void> {
  if (rows.length === 0) return;
  await db('sy_shadow_mismatches').insert(
    rows.map((r) => ({ migration: r.migration, proxy_id: r.proxyId, at_ms: r.atMs, method: r.method, primary_upstream: r.primaryUpstream, diff_json: JSON.stringify(r.diff) })),
  );
}

/** The most recent shadow mismatch samples of a migration, newest first. */
export async function listShadowMismatches(db: Knex, migration: string, limit = 50): Promise<ShadowMismatch[]> {
  const rows = (await db('sy_shadow_mismatches').where({ migration }).orderBy('id', 'desc').limit(limit)) as Array<Record<string, unknown>>;
  return rows.map((r) => ({
    migration: String(r['migration']),
    proxyId: String(r['proxy_id']),
    atMs: Number(r['at_ms']),
    method: String(r['method']),
    primaryUpstream: r['primary_upstream'] === 'next' ? 'next' : 'legacy',
    diff: JSON.parse(String(r['diff_json'])) as ShadowMismatch['diff'],
  }));
}
