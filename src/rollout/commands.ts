/**
 * Manual control: pause, resume, promote [--full], abort, rollback, shift PERCENT. Commands
 * are queued in the control database and applied, once and in order, by whichever process
 * holds the lease; each lands in the audit trail with its actor (`user:<name>`).
 */
import type { RouteTarget } from '../control/routes.js';
import { commit, stageName, type StepContext, type StepEvent } from './context.js';
import { applyEffect } from './effects.js';
import { planTargets, type SplitState } from './plan.js';
import { enteringPatch } from './steps.js';
import type { RolloutState, RolloutStatus } from './state.js';
import type { StoredCommand } from './store.js';

/** Command kinds. */
export const COMMAND_KINDS = ['pause', 'resume', 'promote', 'abort', 'rollback', 'shift'] as const;
/** A command kind. */
export type CommandKind = (typeof COMMAND_KINDS)[number];

/** Outcome of applying one command. */
export type CommandOutcome = { applied: true; state: RolloutState; summary: string } | { applied: false; state: RolloutState; summary: string };

class Rejection extends Error {}
const reject = (msg: string): never => {
  throw new Rejection(msg);
};
function requireStatus(s: RolloutState, kind: string, allowed: RolloutStatus[]): void {
  if (!allowed.includes(s.status)) reject(`cannot ${kind}: the rollout is ${s.status} (${kind} needs ${allowed.join(' or ')})`);
}

/** Applies a queued command (or rejects it), marking it in the queue and the audit trail. */
export async function applyCommand(ctx: StepContext, s: RolloutState, cmd: StoredCommand): Promise<CommandOutcome> {
  const now = ctx.clock.now();
  if (cmd.id <= s.lastCommandId) {
    await ctx.store.finishCommand(cmd.id, 'applied', 'already applied', now);
    return { applied: true, state: s, summary: 'already applied' };
  }
  const by = `${cmd.actor}${cmd.reason ? `: ${cmd.reason}` : ''}`;
  try {
    const { patch, events, summary } = await plan(ctx, s, cmd, by, now);
    const state = await commit(ctx, s, { ...patch, lastCommandId: cmd.id }, [
      { kind: 'command.applied', actor: cmd.actor, reason: `${cmd.kind}${cmd.reason ? `: ${cmd.reason}` : ''}`, data: { command: cmd.kind, args: cmd.args, commandId: cmd.id } },
      ...events.map((e) => ({ actor: cmd.actor, ...e })),
    ]);
    await ctx.store.finishCommand(cmd.id, 'applied', summary, ctx.clock.now());
    return { applied: true, state, summary };
  } catch (err) {
    if (!(err instanceof Rejection)) throw err;
    const state = await commit(ctx, s, { lastCommandId: cmd.id }, [{ kind: 'command.rejected', actor: cmd.actor, reason: err.message, data: { command: cmd.kind, args: cmd.args, commandId: cmd.id } }]);
    await ctx.store.finishCommand(cmd.id, 'rejected', err.message, ctx.clock.now());
    return { applied: false, state, summary: err.message };
  }
}

interface Planned {
  patch: Partial<RolloutState>;
  events: StepEvent[];
  summary: string;
}

async function plan(ctx: StepContext, s: RolloutState, cmd: StoredCommand, by: string, now: number): Promise<Planned> {
  const last = ctx.plan.stages.length - 1;
  switch (cmd.kind as CommandKind) {
    case 'pause': {
      requireStatus(s, 'pause', ['running']);
      const reason = `paused by ${by}`;
      return { patch: { status: 'paused', reason }, events: [{ kind: 'rollout.paused', reason }], summary: `paused at ${stageName(ctx, s.stageIndex)}` };
    }
    case 'resume': {
      requireStatus(s, 'resume', ['paused', 'rolled-back']);
      const reason = `resumed by ${by}`;
      if (s.status === 'rolled-back' || s.phase === 'entering') {
        return { patch: enteringPatch(s.stageIndex, now, s.seq + 1, reason), events: [{ kind: 'rollout.resumed', reason }, { kind: 'stage.entering', reason }], summary: `re-entering ${stageName(ctx, s.stageIndex)}` };
      }
      if (s.phase === 'holding') {
        await applyEffect(ctx, s, s.stageIndex, cmd.actor, reason);
        // A new transition (seq): a stage reconcile that failed before the pause runs again.
        return { patch: { status: 'running', reason, seq: s.seq + 1, holdStartedAtMs: now, nextEvaluationAtMs: now, consecutiveFailures: 0, lastEvaluation: null }, events: [{ kind: 'rollout.resumed', reason: `${reason}; hold of ${stageName(ctx, s.stageIndex)} restarts` }], summary: `holding ${stageName(ctx, s.stageIndex)} again` };
      }
      return { patch: { status: 'running', reason }, events: [{ kind: 'rollout.resumed', reason }], summary: 'resumed' };
    }
    case 'promote': {
      requireStatus(s, 'promote', ['running', 'paused', 'rolled-back']);
      const full = cmd.args['full'] === true;
      const reason = `promoted${full ? ' to the last stage' : ''} by ${by}`;
      if (full && s.stageIndex < last) {
        return { patch: enteringPatch(last, now, s.seq + 1, reason), events: [{ kind: 'stage.promoted', reason, data: { from: stageName(ctx, s.stageIndex), to: stageName(ctx, last), full } }, { kind: 'stage.entering', reason, data: { stage: stageName(ctx, last), stageIndex: last } }], summary: `entering ${stageName(ctx, last)}` };
      }
      if (s.status !== 'rolled-back' && s.phase === 'holding') {
        return { patch: { status: 'running', phase: 'leaving', reason }, events: [{ kind: 'stage.promoted', reason, data: { from: stageName(ctx, s.stageIndex), full } }], summary: `leaving ${stageName(ctx, s.stageIndex)}` };
      }
      if (s.status === 'rolled-back' || s.phase === 'entering') {
        if (s.stageIndex >= last) reject(`cannot promote past the last stage (${stageName(ctx, last)}); resume it instead`);
        const to = s.stageIndex + 1;
        return { patch: enteringPatch(to, now, s.seq + 1, reason), events: [{ kind: 'stage.skipped', reason, data: { skipped: stageName(ctx, s.stageIndex) } }, { kind: 'stage.entering', reason, data: { stage: stageName(ctx, to), stageIndex: to } }], summary: `entering ${stageName(ctx, to)}` };
      }
      return reject(`cannot promote while the rollout is ${s.phase}; try again in a moment`);
    }
    case 'abort': {
      requireStatus(s, 'abort', ['pending', 'running', 'paused', 'rolled-back']);
      const reason = `aborted by ${by}`;
      const rollback = { toStage: -1, reason, actor: cmd.actor, abort: true };
      return { patch: { status: 'running', phase: 'rolling-back', seq: s.seq + 1, rollback, reason }, events: [{ kind: 'rollback.started', reason, data: { toStage: 'initial', toStageIndex: -1, abort: true } }], summary: 'rolling back to the initial state' };
    }
    case 'rollback': {
      requireStatus(s, 'rollback', ['running', 'paused']);
      if (s.phase === 'rolling-back') reject('a rollback is already in progress');
      const reason = `rolled back by ${by}`;
      const rollback = { toStage: s.lastGoodStageIndex, reason, actor: cmd.actor, abort: false };
      return { patch: { status: 'running', phase: 'rolling-back', seq: s.seq + 1, rollback, reason }, events: [{ kind: 'rollback.started', reason, data: { toStage: stageName(ctx, rollback.toStage), toStageIndex: rollback.toStage } }], summary: `rolling back to ${stageName(ctx, rollback.toStage)}` };
    }
    case 'shift': {
      requireStatus(s, 'shift', ['pending', 'running', 'paused', 'rolled-back']);
      const bp = Number(cmd.args['bp']);
      if (!Number.isInteger(bp) || bp < 0 || bp > 10_000) reject(`shift needs a split of 0–10000 basis points, got ${String(cmd.args['bp'])}`);
      const targets = (Array.isArray(cmd.args['targets']) && cmd.args['targets'].length ? cmd.args['targets'] : planTargets(ctx.plan)) as RouteTarget[];
      const split: SplitState = Object.fromEntries(targets.map((t) => [t, bp]));
      const reason = `manual shift to ${bp / 100}% by ${by}`;
      await ctx.store.setSplits(s.migration, split, cmd.actor, reason, now);
      const patch: Partial<RolloutState> = s.status === 'running' ? { status: 'paused', reason: `${reason}; paused so the controller keeps it (resume restores the stage's split)` } : { reason };
      return { patch, events: [{ kind: 'split.shifted', reason, data: { targets, bp } }], summary: `split ${bp / 100}% on ${targets.join(', ')}${s.status === 'running' ? '; rollout paused' : ''}` };
    }
    default:
      return reject(`unknown command "${cmd.kind}" (expected ${COMMAND_KINDS.join(', ')})`);
  }
}
