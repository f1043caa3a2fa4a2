/** Gates on proxy metrics: next's error rate (absolute and against legacy), p99 latency, shadow mismatches. */
import { quantileMs } from '../../control/histogram.js';
import type { UpstreamTotals } from '../../control/snapshots.js';
import type { GateConfig } from '../plan.js';
import { twoProportionZTest } from '../stats.js';
import type { GateResult } from './types.js';
import type { MetricTotals } from './window.js';

const pct = (x: number): string => `${(x * 100).toFixed(2)}%`;
const rate = (t: UpstreamTotals): number => (t.calls ? t.errors / t.calls : 0);

/** Error-rate gates: `errorRate` (absolute) and `errorRate.relative` (two-proportion z-test). */
export function errorRateGates(cfg: NonNullable<GateConfig['errorRate']>, m: MetricTotals): GateResult[] {
  const out: GateResult[] = [];
  const { next, legacy } = m;
  const sample = { nextCalls: next.calls, nextErrors: next.errors, legacyCalls: legacy.calls, legacyErrors: legacy.errors };
  if (cfg.maxAbsolute !== undefined) {
    if (next.calls < cfg.minCalls) out.push({ gate: 'errorRate', outcome: 'inconclusive', value: null, threshold: cfg.maxAbsolute, detail: `next: ${next.calls} calls, ${cfg.minCalls} needed`, sample });
    else {
      const r = rate(next);
      out.push({ gate: 'errorRate', outcome: r > cfg.maxAbsolute ? 'fail' : 'pass', value: r, threshold: cfg.maxAbsolute, detail: `next error rate ${pct(r)} (${next.errors}/${next.calls}) vs max ${pct(cfg.maxAbsolute)}`, sample });
    }
  }
  if (cfg.relative) {
    const { alpha, minDifference } = cfg.relative;
    if (next.calls < cfg.minCalls || legacy.calls < cfg.minCalls) {
      const short = next.calls < cfg.minCalls ? `next: ${next.calls} calls` : `legacy: ${legacy.calls} calls`;
      out.push({ gate: 'errorRate.relative', outcome: 'inconclusive', value: null, threshold: alpha, detail: `${short}, ${cfg.minCalls} needed on each side`, sample });
    } else {
      const t = twoProportionZTest(next.errors, next.calls, legacy.errors, legacy.calls);
      const worse = t.pValue < alpha && t.p1 - t.p2 > minDifference;
      const base = m.legacyFromBaseline ? ' (legacy baseline window)' : '';
      out.push({
        gate: 'errorRate.relative',
        outcome: worse ? 'fail' : 'pass',
        value: t.pValue,
        threshold: alpha,
        detail: `next ${pct(t.p1)} vs legacy ${pct(t.p2)}${base}: z=${t.z.toFixed(2)}, p=${t.pValue.toPrecision(3)} ${worse ? '<' : '≥'} α=${alpha}${minDifference ? `, min difference ${pct(minDifference)}` : ''}`,
        sample,
      });
    }
  }
  return out;
}

/** The p99 latency gate: next/legacy ratio and an optional absolute bound (bucket upper bounds: see histogram.ts). */
export function latencyGate(cfg: NonNullable<GateConfig['latency']>, m: MetricTotals): GateResult {
  const { next, legacy } = m;
  const sample = { nextCalls: next.calls, legacyCalls: legacy.calls };
  const needLegacy = cfg.maxP99Ratio !== undefined;
  if (next.calls < cfg.minCalls || (needLegacy && legacy.calls < cfg.minCalls)) {
    return { gate: 'latency', outcome: 'inconclusive', value: null, threshold: cfg.maxP99Ratio ?? cfg.maxP99Ms, detail: `next ${next.calls} / legacy ${legacy.calls} calls, ${cfg.minCalls} needed`, sample };
  }
  const p99n = quantileMs(next.latency, 0.99) ?? 0;
  const p99l = quantileMs(legacy.latency, 0.99) ?? 0;
  if (cfg.maxP99Ms !== undefined && p99n > cfg.maxP99Ms) {
    return { gate: 'latency', outcome: 'fail', value: p99n, threshold: cfg.maxP99Ms, detail: `next p99 ≤${p99n} ms exceeds ${cfg.maxP99Ms} ms`, sample };
  }
  if (cfg.maxP99Ratio === undefined) return { gate: 'latency', outcome: 'pass', value: p99n, threshold: cfg.maxP99Ms, detail: `next p99 ≤${p99n} ms within ${cfg.maxP99Ms} ms`, sample };
  const ratio = p99n === p99l ? 1 : p99l === 0 ? Infinity : p99n / p99l;
  return {
    gate: 'latency',
    outcome: ratio > cfg.maxP99Ratio ? 'fail' : 'pass',
    value: ratio,
    threshold: cfg.maxP99Ratio,
    detail: `p99 next ≤${p99n} ms / legacy ≤${p99l} ms = ${Number.isFinite(ratio) ? ratio.toFixed(2) : '∞'} vs max ${cfg.maxP99Ratio}`,
    sample,
  };
}

/** The shadow-mismatch gate over comparisons from both upstreams. */
export function shadowGate(cfg: NonNullable<GateConfig['shadow']>, totals: { legacy: UpstreamTotals; next: UpstreamTotals }): GateResult {
  const compared = totals.legacy.shadowCompared + totals.next.shadowCompared;
  const mismatched = totals.legacy.shadowMismatched + totals.next.shadowMismatched;
  const sample = { compared, mismatched, dropped: totals.legacy.shadowDropped + totals.next.shadowDropped };
  if (compared < cfg.minCompared) return { gate: 'shadow', outcome: 'inconclusive', value: null, threshold: cfg.maxMismatchRate, detail: `${compared} comparisons, ${cfg.minCompared} needed`, sample };
  const r = mismatched / compared;
  return { gate: 'shadow', outcome: r > cfg.maxMismatchRate ? 'fail' : 'pass', value: r, threshold: cfg.maxMismatchRate, detail: `shadow mismatches ${pct(r)} (${mismatched}/${compared}) vs max ${pct(cfg.maxMismatchRate)}`, sample };
}
