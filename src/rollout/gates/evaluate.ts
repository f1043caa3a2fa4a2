/** Evaluates a stage's gates once. */
import type { CustomCheckSpec, PlannedStage, RolloutPlan } from '../plan.js';
import { errorRateGates, latencyGate, shadowGate } from './metrics.js';
import { combineOutcomes, type CheckResult, type Evaluation, type GateResult, type GateSources } from './types.js';
import { readMetricTotals, sumScopes } from './window.js';

/** Runs custom checks (a command's exit code, an HTTP status). */
export interface CheckRunner {
  run(check: CustomCheckSpec, signal?: AbortSignal): Promise<CheckResult>;
}

/** Inputs of one evaluation. */
export interface EvaluateInput {
  plan: RolloutPlan;
  stage: PlannedStage;
  /** When the stage was entered (reconcile runs started since count), epoch ms. */
  stageStartedAtMs: number;
  /** When its hold began (metric windows start no earlier), epoch ms. */
  holdStartedAtMs: number;
  nowMs: number;
  sources: GateSources;
  checks: CheckRunner;
  signal?: AbortSignal;
}

/** Evaluates every configured gate; never throws for a gate's own failure (a source error is a failing gate). */
export async function evaluateStage(input: EvaluateInput): Promise<Evaluation> {
  const { plan, stage, sources, nowMs } = input;
  const g = stage.gates;
  const results: GateResult[] = [];
  const guard = async (gate: string, fn: () => Promise<GateResult[]>): Promise<void> => {
    try {
      results.push(...(await fn()));
    } catch (err) {
      results.push({ gate, outcome: 'fail', value: null, detail: `could not evaluate: ${(err as Error).message}` });
    }
  };
  if (g.errorRate || g.latency) {
    await guard('metrics', async () => {
      const minLegacy = Math.max(g.errorRate?.minCalls ?? 0, g.latency?.minCalls ?? 0);
      const m = await readMetricTotals(sources, plan, stage, input.holdStartedAtMs, nowMs, minLegacy);
      const out: GateResult[] = [];
      const skipped = (gate: string): GateResult => ({ gate, outcome: 'skipped', detail: 'no traffic is routed to next in this stage' });
      if (g.errorRate) out.push(...(m ? errorRateGates(g.errorRate, m) : [skipped('errorRate')]));
      if (g.latency) out.push(m ? latencyGate(g.latency, m) : skipped('latency'));
      return out;
    });
  }
  if (g.shadow) {
    const cfg = g.shadow;
    await guard('shadow', async () => [shadowGate(cfg, await sumScopes(sources, plan.migration, 'all', Math.max(input.holdStartedAtMs, nowMs - g.windowMs), nowMs))]);
  }
  if (g.reconcile) {
    const max = g.reconcile.maxMismatches;
    await guard('reconcile', async () => {
      const run = await sources.latestReconcileRun(plan.migration, input.stageStartedAtMs);
      if (!run || run.status === 'running') return [{ gate: 'reconcile', outcome: 'inconclusive', value: null, threshold: max, detail: run ? `reconcile run ${run.id} still running` : 'no reconcile run since the stage began' }];
      if (run.status === 'error') return [{ gate: 'reconcile', outcome: 'fail', value: null, threshold: max, detail: `reconcile run ${run.id} failed: ${run.error ?? 'unknown error'}` }];
      const n = run.missingInNext + run.extraInNext + run.changed;
      const sample = { missingInNext: run.missingInNext, extraInNext: run.extraInNext, changed: run.changed, run: run.id };
      return [{ gate: 'reconcile', outcome: n > max ? 'fail' : 'pass', value: n, threshold: max, detail: `reconcile run ${run.id}: ${n} mismatched rows vs max ${max}`, sample }];
    });
  }
  for (const check of g.custom) {
    await guard(`custom:${check.name}`, async () => {
      const r = await input.checks.run(check, input.signal);
      return [{ gate: `custom:${check.name}`, outcome: r.ok ? 'pass' : 'fail', detail: r.detail }];
    });
  }
  return { atMs: nowMs, outcome: combineOutcomes(results), gates: results };
}

/** The actor for a gate result: `gate:errorRate`, `gate:smoke` (custom checks by name). */
export function gateActor(result: GateResult): string {
  return `gate:${result.gate.replace(/^custom:/, '')}`;
}
