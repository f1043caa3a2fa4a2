/**
 * One step of the state machine per call: each handler does the work of the current phase
 * and saves the next state. Everything it runs is journalled or idempotent, so a step cut
 * short by a kill is simply done again by the next controller.
 */
import { formatMs } from './format.js';
import { checkStopping, commit, stageName, type StepContext, type StepEvent } from './context.js';
import { applyEffect } from './effects.js';
import { evaluateStage, gateActor } from './gates/evaluate.js';
import { runActionOnce, runHookOnce } from './journal.js';
import type { RolloutState } from './state.js';

/** What a step did. */
export interface StepResult {
  state: RolloutState;
  /** The step changed something; step again at once. */
  progressed: boolean;
  /** Nothing to do before this time (epoch ms), when waiting. */
  waitUntilMs?: number;
}

/** `drive`: the full controller. `idle`: a one-off command runner — it never starts a pending rollout, evaluates gates or waits out a hold. */
export type StepMode = 'drive' | 'idle';

const done = (state: RolloutState): StepResult => ({ state, progressed: true });

/** Fields reset when a stage is (re-)entered. */
export function enteringPatch(index: number, nowMs: number, seq: number, reason: string): Partial<RolloutState> {
  return { status: 'running', phase: 'entering', stageIndex: index, seq, stageStartedAtMs: nowMs, holdStartedAtMs: null, nextEvaluationAtMs: null, consecutiveFailures: 0, lastEvaluation: null, reason, rollback: null };
}

/** Advances the rollout by one step. */
export async function step(ctx: StepContext, s: RolloutState, mode: StepMode): Promise<StepResult> {
  if (s.status === 'pending') {
    if (mode === 'idle') return { state: s, progressed: false }; // only `run` starts a rollout
    const reason = 'rollout started';
    return done(await commit(ctx, s, enteringPatch(0, ctx.clock.now(), s.seq + 1, reason), [{ kind: 'rollout.started', reason }, { kind: 'stage.entering', reason, data: { stage: stageName(ctx, 0), stageIndex: 0 } }]));
  }
  if (s.status !== 'running') return { state: s, progressed: false };
  switch (s.phase) {
    case 'entering':
      return done(await enter(ctx, s));
    case 'holding':
      return hold(ctx, s, mode);
    case 'leaving':
      return done(await leave(ctx, s));
    case 'completing':
      return done(await complete(ctx, s));
    case 'rolling-back':
      return done(await rollBack(ctx, s));
  }
}

async function block(ctx: StepContext, s: RolloutState, reason: string, data: Record<string, unknown>): Promise<RolloutState> {
  return commit(ctx, s, { status: 'paused', reason }, [{ kind: 'stage.blocked', reason, data }]);
}

async function enter(ctx: StepContext, s: RolloutState): Promise<RolloutState> {
  const stage = ctx.plan.stages[s.stageIndex]!;
  for (const [i, hook] of stage.preStage.entries()) {
    const r = await runHookOnce(ctx, s, 'preStage', i, hook, s.reason);
    if (!r.ok) return block(ctx, s, `ROLLOUT_HOOK_FAILED: pre-stage hook ${hook.name} failed (${r.detail}); stage ${stage.name} not entered`, { hook: hook.name });
  }
  await applyEffect(ctx, s, s.stageIndex, 'controller', `stage ${stage.name}`);
  for (const [i, action] of stage.actions.entries()) {
    const r = await runActionOnce(ctx, s, `action:${i}`, action);
    if (!r.ok) return block(ctx, s, `${action.t} failed: ${r.detail}`, { action: action.t });
  }
  const now = ctx.clock.now();
  return commit(ctx, s, { phase: 'holding', holdStartedAtMs: now, nextEvaluationAtMs: now, consecutiveFailures: 0, lastEvaluation: null }, [
    { kind: 'stage.entered', reason: `split and mode of ${stage.name} in effect; holding ${formatMs(stage.holdMs)}`, data: { split: stage.split, dualWrite: stage.dualWrite, holdMs: stage.holdMs } },
  ]);
}

async function hold(ctx: StepContext, s: RolloutState, mode: StepMode): Promise<StepResult> {
  if (mode === 'idle') return { state: s, progressed: false };
  const stage = ctx.plan.stages[s.stageIndex]!;
  const now = ctx.clock.now();
  const holdEnd = (s.holdStartedAtMs ?? now) + stage.holdMs;
  if (stage.reconcile && now >= holdEnd) {
    const key = 'reconcile';
    const prior = await ctx.store.readOp(s.migration, `${s.seq}:${key}`);
    if (!prior || prior.status === 'started') {
      const r = await runActionOnce(ctx, s, key, { t: 'reconcile', ...stage.reconcile });
      if (!r.ok) return done(await block(ctx, s, `reconcile failed: ${r.detail}`, { action: 'reconcile' }));
      return done(await commit(ctx, s, { nextEvaluationAtMs: ctx.clock.now() }, []));
    }
  }
  const due = s.nextEvaluationAtMs ?? now;
  if (now < due) return { state: s, progressed: false, waitUntilMs: due };
  return done(await evaluate(ctx, s, holdEnd));
}

async function evaluate(ctx: StepContext, s: RolloutState, holdEnd: number): Promise<RolloutState> {
  const stage = ctx.plan.stages[s.stageIndex]!;
  const ev = await evaluateStage({ plan: ctx.plan, stage, stageStartedAtMs: s.stageStartedAtMs ?? 0, holdStartedAtMs: s.holdStartedAtMs ?? 0, nowMs: ctx.clock.now(), sources: ctx.sources, checks: ctx.checks, signal: ctx.signal });
  checkStopping(ctx); // a custom check aborted by the stop is not a verdict
  const now = ctx.clock.now();
  const failures = ev.outcome === 'fail' ? s.consecutiveFailures + 1 : ev.outcome === 'pass' ? 0 : s.consecutiveFailures;
  const events: StepEvent[] = ev.gates
    .filter((g) => g.outcome === 'fail')
    .map((g) => ({ kind: 'gate.failed', actor: gateActor(g), reason: g.detail, data: { gate: g.gate, value: g.value, threshold: g.threshold, sample: g.sample, consecutiveFailures: failures, failureLimit: stage.failureLimit } }));
  if (ev.outcome !== 'fail' && ev.outcome !== s.lastEvaluation?.outcome) {
    events.push({ kind: `gates.${ev.outcome}`, reason: ev.gates.map((g) => `${g.gate}: ${g.outcome}`).join(', ') || 'no gates configured', data: { gates: ev.gates } });
  }
  const base = { lastEvaluation: ev, consecutiveFailures: failures };
  if (failures >= stage.failureLimit) {
    const first = ev.gates.find((g) => g.outcome === 'fail')!;
    const reason = `${first.gate} failed ${failures} time(s) in a row: ${first.detail}`;
    const rollback = { toStage: s.lastGoodStageIndex, reason, actor: gateActor(first), abort: false };
    return commit(ctx, s, { ...base, phase: 'rolling-back', seq: s.seq + 1, rollback, reason }, [
      ...events,
      { kind: 'rollback.started', actor: rollback.actor, reason, data: { toStage: stageName(ctx, rollback.toStage), toStageIndex: rollback.toStage } },
    ]);
  }
  if (ev.outcome === 'pass' && now >= holdEnd) {
    const reason = `held ${formatMs(now - (s.holdStartedAtMs ?? now))} with passing gates`;
    return commit(ctx, s, { ...base, phase: 'leaving', reason }, [...events, { kind: 'stage.held', reason }]);
  }
  if (ev.outcome === 'inconclusive' && now >= holdEnd + stage.inconclusiveTimeoutMs) {
    const reason = `gates still inconclusive ${formatMs(now - holdEnd)} after the hold ended (too little data): ${ev.gates.filter((g) => g.outcome === 'inconclusive').map((g) => `${g.gate}: ${g.detail}`).join('; ')}`;
    if (ctx.plan.onInconclusive === 'pause') return commit(ctx, s, { ...base, status: 'paused', reason }, [...events, { kind: 'rollout.paused', reason }]);
    const rollback = { toStage: s.lastGoodStageIndex, reason, actor: 'controller', abort: false };
    return commit(ctx, s, { ...base, phase: 'rolling-back', seq: s.seq + 1, rollback, reason }, [...events, { kind: 'rollback.started', reason, data: { toStage: stageName(ctx, rollback.toStage), toStageIndex: rollback.toStage } }]);
  }
  const next = now < holdEnd ? Math.min(now + ctx.plan.intervalMs, holdEnd) : now + ctx.plan.intervalMs;
  return commit(ctx, s, { ...base, nextEvaluationAtMs: next }, events);
}

async function leave(ctx: StepContext, s: RolloutState): Promise<RolloutState> {
  const stage = ctx.plan.stages[s.stageIndex]!;
  for (const [i, hook] of stage.postStage.entries()) await runHookOnce(ctx, s, 'postStage', i, hook, s.reason);
  const passed: StepEvent = { kind: 'stage.passed', reason: s.reason };
  if (s.stageIndex >= ctx.plan.stages.length - 1) return commit(ctx, s, { phase: 'completing', lastGoodStageIndex: s.stageIndex }, [passed]);
  const nextIndex = s.stageIndex + 1;
  const reason = `stage ${stage.name} passed (${s.reason})`;
  return commit(ctx, s, { ...enteringPatch(nextIndex, ctx.clock.now(), s.seq + 1, reason), lastGoodStageIndex: s.stageIndex }, [
    passed,
    { kind: 'stage.entering', reason, data: { stage: stageName(ctx, nextIndex), stageIndex: nextIndex } },
  ]);
}

async function complete(ctx: StepContext, s: RolloutState): Promise<RolloutState> {
  for (const [i, hook] of ctx.plan.onComplete.entries()) await runHookOnce(ctx, s, 'onComplete', i, hook, 'every stage held');
  return commit(ctx, s, { status: 'completed', reason: 'every stage held' }, [{ kind: 'rollout.completed', reason: 'every stage held' }]);
}

async function rollBack(ctx: StepContext, s: RolloutState): Promise<RolloutState> {
  const rb = s.rollback ?? { toStage: s.lastGoodStageIndex, reason: s.reason, actor: 'controller', abort: false };
  await applyEffect(ctx, s, rb.toStage, rb.actor, `${rb.abort ? 'abort' : 'rollback'}: ${rb.reason}`);
  for (const [i, hook] of ctx.plan.onRollback.entries()) await runHookOnce(ctx, s, 'onRollback', i, hook, rb.reason, rb.actor);
  const kind = rb.abort ? 'rollout.aborted' : 'rollout.rolled-back';
  const data = { toStage: stageName(ctx, rb.toStage), toStageIndex: rb.toStage, failedStage: stageName(ctx, s.stageIndex) };
  return commit(ctx, s, { status: rb.abort ? 'aborted' : 'rolled-back', rollback: null, reason: rb.reason, consecutiveFailures: 0 }, [{ kind, actor: rb.actor, reason: rb.reason, data }]);
}
