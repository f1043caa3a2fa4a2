/** Which snapshots a stage's metric gates read: the scope (classes/methods with traffic to next) and the windows. */
import { emptyHistogram, mergeInto } from '../../control/histogram.js';
import type { UpstreamName, UpstreamTotals } from '../../control/snapshots.js';
import type { PlannedStage, RolloutPlan } from '../plan.js';
import type { GateSources } from './types.js';

/** A filter for `sumSnapshots`. */
export interface Scope {
  methodClass?: string;
  method?: string;
}

/**
 * The classes and methods the stage sends to next (split > 0). A method with its own split
 * is left out when its class is already in scope, so no call is counted twice.
 */
export function trafficScopes(plan: RolloutPlan, stage: PlannedStage): Scope[] {
  const classes = new Set<string>();
  const methods: string[] = [];
  for (const [target, bp] of Object.entries(stage.split)) {
    if (!bp) continue;
    if (target.startsWith('class:')) classes.add(target.slice(6));
    else if (target.startsWith('method:')) methods.push(target.slice(7));
  }
  const scopes: Scope[] = [...classes].sort().map((c) => ({ methodClass: c }));
  for (const m of methods.sort()) if (!classes.has(plan.methodClass[m] ?? '')) scopes.push({ method: m });
  return scopes;
}

function emptyTotals(): UpstreamTotals {
  return { calls: 0, errors: 0, codes: {}, latency: emptyHistogram(), shadowCompared: 0, shadowMismatched: 0, shadowDropped: 0, proxies: 0 };
}

function addInto(a: UpstreamTotals, b: UpstreamTotals): void {
  a.calls += b.calls;
  a.errors += b.errors;
  a.shadowCompared += b.shadowCompared;
  a.shadowMismatched += b.shadowMismatched;
  a.shadowDropped += b.shadowDropped;
  a.proxies = Math.max(a.proxies, b.proxies);
  for (const [code, n] of Object.entries(b.codes)) a.codes[code] = (a.codes[code] ?? 0) + n;
  mergeInto(a.latency, b.latency);
}

/** Sums snapshots over several scopes (no scope: everything). */
export async function sumScopes(
  sources: GateSources,
  migration: string,
  scopes: Scope[] | 'all',
  sinceMs: number,
  untilMs: number,
): Promise<Record<UpstreamName, UpstreamTotals>> {
  if (scopes === 'all') return sources.sumSnapshots({ migration, sinceMs, untilMs });
  const out: Record<UpstreamName, UpstreamTotals> = { legacy: emptyTotals(), next: emptyTotals() };
  for (const scope of scopes) {
    const part = await sources.sumSnapshots({ migration, sinceMs, untilMs, ...scope });
    addInto(out.legacy, part.legacy);
    addInto(out.next, part.next);
  }
  return out;
}

/** Metric totals for one evaluation: next over the window; legacy over the window, or the baseline window when too few. */
export interface MetricTotals {
  next: UpstreamTotals;
  legacy: UpstreamTotals;
  /** Legacy's figures come from the longer baseline window. */
  legacyFromBaseline: boolean;
  /** The next window, epoch ms. */
  sinceMs: number;
  untilMs: number;
}

/** Reads the totals a stage's error-rate and latency gates use. */
export async function readMetricTotals(
  sources: GateSources,
  plan: RolloutPlan,
  stage: PlannedStage,
  holdStartedAtMs: number,
  nowMs: number,
  minLegacyCalls: number,
): Promise<MetricTotals | undefined> {
  const scopes = trafficScopes(plan, stage);
  if (scopes.length === 0) return undefined;
  const sinceMs = Math.max(holdStartedAtMs, nowMs - stage.gates.windowMs);
  const inWindow = await sumScopes(sources, plan.migration, scopes, sinceMs, nowMs);
  if (inWindow.legacy.calls >= minLegacyCalls) return { next: inWindow.next, legacy: inWindow.legacy, legacyFromBaseline: false, sinceMs, untilMs: nowMs };
  const baseline = await sumScopes(sources, plan.migration, scopes, nowMs - Math.max(stage.gates.baselineWindowMs, nowMs - sinceMs), nowMs);
  return { next: inWindow.next, legacy: baseline.legacy, legacyFromBaseline: true, sinceMs, untilMs: nowMs };
}
