/** Putting a stage's split and dual-write mode into effect. */
import { effectAt } from './plan.js';
import { stageName, type StepContext } from './context.js';
import type { RolloutState } from './state.js';

/**
 * Sets the dual-write mode, then the split, of stage `index` (-1: the initial state).
 * Both are idempotent: unchanged targets are left alone, so a replay after a restart
 * writes nothing new.
 */
export async function applyEffect(ctx: StepContext, s: RolloutState, index: number, actor: string, reason: string): Promise<void> {
  const effect = effectAt(ctx.plan, index);
  await ctx.actions.setDualWriteMode(effect.dualWrite, { migration: s.migration, stage: stageName(ctx, index), stageIndex: index, signal: ctx.signal, logger: ctx.logger, actor, reason });
  await ctx.store.setSplits(s.migration, effect.split, actor, reason, ctx.clock.now());
}
