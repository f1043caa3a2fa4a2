import { describe, expect, it } from 'vitest';
import { evaluateStage } from '../../../src/rollout/gates/evaluate.js';
import { trafficScopes } from '../../../src/rollout/gates/window.js';
import type { GateConfig, PlannedStage } from '../../../src/rollout/plan.js';
import { addTraffic, fakeChecks, fakeSources, noGates, samplePlan, stage } from './fakes.js';

const NOW = 1_700_000_600_000;
const HOLD = NOW - 5 * 60_000;

function evalWith(gates: Partial<GateConfig>, setup: (src: ReturnType<typeof fakeSources>) => void, split: PlannedStage['split'] = { 'class:reads': 1000, 'class:writes': 0 }) {
  const src = fakeSources();
  setup(src);
  const plan = samplePlan();
  const st = stage(1, 's', { split, gates: { ...noGates(), windowMs: 5 * 60_000, ...gates } });
  return evaluateStage({ plan, stage: st, stageStartedAtMs: HOLD, holdStartedAtMs: HOLD, nowMs: NOW, sources: src, checks: fakeChecks() });
}

describe('gates', () => {
  const relative = { alpha: 0.05, minDifference: 0 };

  it('error rate against legacy: the z-test fails next at α=0.05 and passes it at α=0.01 (30/1000 vs 15/1000, p=0.0119)', async () => {
    const traffic = (s: ReturnType<typeof fakeSources>) => addTraffic(s, NOW - 1000, 'reads', { calls: 1000, errors: 30 }, { calls: 1000, errors: 15 });
    const strict = await evalWith({ errorRate: { relative, minCalls: 100 } }, traffic);
    expect(strict.gates[0]).toMatchObject({ gate: 'errorRate.relative', outcome: 'fail', threshold: 0.05 });
    expect(strict.gates[0]!.value).toBeCloseTo(0.01186, 4);
    expect(strict.gates[0]!.detail).toMatch(/next 3\.00% vs legacy 1\.50%: z=2\.26, p=0\.0119 < α=0\.05/);
    const lenient = await evalWith({ errorRate: { relative: { alpha: 0.01, minDifference: 0 }, minCalls: 100 } }, traffic);
    expect(lenient.outcome).toBe('pass');
    const tolerant = await evalWith({ errorRate: { relative: { alpha: 0.05, minDifference: 0.02 }, minCalls: 100 } }, traffic);
    expect(tolerant.outcome).toBe('pass'); // 1.5 points worse, below the 2-point minimum difference
  });

  it('absolute error rate, and too little data is inconclusive (never a pass)', async () => {
    const abs = { maxAbsolute: 0.02, minCalls: 100 };
    const bad = await evalWith({ errorRate: abs }, (s) => addTraffic(s, NOW, 'reads', { calls: 100, errors: 3 }, { calls: 100, errors: 0 }));
    expect(bad.gates[0]).toMatchObject({ outcome: 'fail', value: 0.03 });
    const thin = await evalWith({ errorRate: abs }, (s) => addTraffic(s, NOW, 'reads', { calls: 99, errors: 0 }, { calls: 500, errors: 0 }));
    expect(thin.outcome).toBe('inconclusive');
    const thinLegacy = await evalWith({ errorRate: { relative, minCalls: 100 } }, (s) => addTraffic(s, NOW, 'reads', { calls: 500, errors: 0 }, { calls: 20, errors: 0 }));
    expect(thinLegacy.gates[0]).toMatchObject({ outcome: 'inconclusive', detail: 'legacy: 20 calls, 100 needed on each side' });
  });

  it('legacy baseline reaches back beyond the window when legacy has too few calls now (e.g. at 100%)', async () => {
    const r = await evalWith({ errorRate: { relative, minCalls: 100 } }, (s) => {
      addTraffic(s, NOW - 30 * 60_000, 'reads', { calls: 0, errors: 0 }, { calls: 1000, errors: 10 }); // before the stage
      addTraffic(s, NOW, 'reads', { calls: 1000, errors: 10 }, { calls: 0, errors: 0 });
    }, { 'class:reads': 10000, 'class:writes': 0 });
    expect(r.gates[0]).toMatchObject({ gate: 'errorRate.relative', outcome: 'pass' });
    expect(r.gates[0]!.detail).toMatch(/legacy baseline window/);
    expect(r.gates[0]!.sample).toMatchObject({ legacyCalls: 1000, nextCalls: 1000 });
  });

  it('only traffic of classes routed to next counts; with no traffic to next, metric gates are skipped', async () => {
    const r = await evalWith({ errorRate: { maxAbsolute: 0.01, minCalls: 100 } }, (s) => {
      addTraffic(s, NOW, 'reads', { calls: 200, errors: 0 }, { calls: 200, errors: 0 });
      addTraffic(s, NOW, 'writes', { calls: 0, errors: 0 }, { calls: 200, errors: 100 });
    });
    expect(r.outcome).toBe('pass');
    const none = await evalWith({ errorRate: { maxAbsolute: 0.01, minCalls: 100 } }, () => undefined, { 'class:reads': 0, 'class:writes': 0 });
    expect(none.gates[0]).toMatchObject({ outcome: 'skipped' });
    expect(none.outcome).toBe('pass');
  });

  it('p99 latency ratio and absolute bound', async () => {
    const slow = (s: ReturnType<typeof fakeSources>) => addTraffic(s, NOW, 'reads', { calls: 200, errors: 0, latencyMs: 40 }, { calls: 200, errors: 0, latencyMs: 9 });
    const r = await evalWith({ latency: { maxP99Ratio: 1.5, minCalls: 100 } }, slow);
    expect(r.gates[0]).toMatchObject({ gate: 'latency', outcome: 'fail', value: 5 }); // bucket bounds 50 ms / 10 ms
    const ok = await evalWith({ latency: { maxP99Ratio: 6, minCalls: 100 } }, slow);
    expect(ok.outcome).toBe('pass');
    const abs = await evalWith({ latency: { maxP99Ms: 25, minCalls: 100 } }, slow);
    expect(abs.gates[0]).toMatchObject({ outcome: 'fail', value: 50, threshold: 25 });
  });

  it('shadow mismatch rate with a minimum number of comparisons', async () => {
    const cfg = { maxMismatchRate: 0.01, minCompared: 100 };
    const push = (compared: number, mismatched: number) => (s: ReturnType<typeof fakeSources>) => s.traffic.push({ atMs: NOW, upstream: 'legacy', methodClass: 'reads', calls: compared, errors: 0, shadowCompared: compared, shadowMismatched: mismatched });
    expect((await evalWith({ shadow: cfg }, push(1000, 20))).gates[0]).toMatchObject({ outcome: 'fail', value: 0.02 });
    expect((await evalWith({ shadow: cfg }, push(1000, 5))).outcome).toBe('pass');
    expect((await evalWith({ shadow: cfg }, push(50, 0))).outcome).toBe('inconclusive');
  });

  it('reconcile: no run yet or running → inconclusive; an errored run fails', async () => {
    const run = { id: 3, startedAtMs: HOLD + 1, finishedAtMs: null, missingInNext: 0, extraInNext: 0, changed: 0, error: null };
    expect((await evalWith({ reconcile: { maxMismatches: 0 } }, () => undefined)).gates[0]!.detail).toBe('no reconcile run since the stage began');
    expect((await evalWith({ reconcile: { maxMismatches: 0 } }, (s) => s.runs.push({ ...run, status: 'running' }))).outcome).toBe('inconclusive');
    expect((await evalWith({ reconcile: { maxMismatches: 0 } }, (s) => s.runs.push({ ...run, status: 'error', error: 'next unreachable' }))).gates[0]).toMatchObject({ outcome: 'fail', detail: 'reconcile run 3 failed: next unreachable' });
    expect((await evalWith({ reconcile: { maxMismatches: 5 } }, (s) => s.runs.push({ ...run, status: 'inconsistent', changed: 5 }))).outcome).toBe('pass');
  });

  it('a method with its own split is not counted twice when its class is in scope', () => {
    const plan = samplePlan({ methodClass: { '/a.S/Get': 'reads', '/a.S/Put': 'writes' } });
    const st = stage(1, 's', { split: { 'class:reads': 500, 'class:writes': 0, 'method:/a.S/Get': 2000, 'method:/a.S/Put': 100 } });
    expect(trafficScopes(plan, st)).toEqual([{ methodClass: 'reads' }, { method: '/a.S/Put' }]);
  });
});
