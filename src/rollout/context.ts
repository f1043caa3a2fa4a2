/** What every controller step needs, and the one way a step saves state. */
import type { NewEvent } from '../control/events.js';
import type { Logger } from '../observability/logger.js';
import type { StageActions } from './actions.js';
import type { Clock } from './clock.js';
import type { CheckRunner } from './gates/evaluate.js';
import type { GateSources } from './gates/types.js';
import type { HookRunner } from './hooks.js';
import type { RolloutPlan } from './plan.js';
import type { RolloutState } from './state.js';
import type { RolloutStore } from './store.js';

/** A step's dependencies. */
export interface StepContext {
  plan: RolloutPlan;
  store: RolloutStore;
  actions: StageActions;
  sources: GateSources;
  hooks: HookRunner;
  checks: CheckRunner;
  clock: Clock;
  logger: Logger;
  /** Our lease owner id. */
  owner: string;
  /** Aborted when the controller stops. */
  signal: AbortSignal;
}

/**
 * Thrown when the controller is stopping (SIGINT/SIGTERM) and a step's work was cut short:
 * nothing about it is recorded, so the next controller redoes it.
 */
export class StepInterrupted extends Error {
  constructor() {
    super('the controller is stopping; the step will be redone by the next run');
    this.name = 'StepInterrupted';
  }
}

/** Throws {@link StepInterrupted} when the controller is stopping. */
export function checkStopping(ctx: StepContext): void {
  if (ctx.signal.aborted) throw new StepInterrupted();
}

/** An audit event as a step writes it (migration, component and time are filled in). */
export interface StepEvent {
  kind: string;
  reason?: string;
  /** Default `controller`. */
  actor?: string;
  data?: Record<string, unknown>;
}

/** The stage name for an index (-1: `initial`). */
export function stageName(ctx: StepContext, index: number): string {
  return index < 0 ? 'initial' : (ctx.plan.stages[index]?.name ?? `#${index}`);
}

/** Turns step events into audit events, tagging each with the current stage. */
export function toEvents(ctx: StepContext, s: RolloutState, events: StepEvent[], atMs: number): NewEvent[] {
  return events.map((e) => ({
    migration: s.migration,
    component: 'controller',
    actor: e.actor ?? 'controller',
    kind: e.kind,
    reason: e.reason ?? '',
    data: { stage: stageName(ctx, s.stageIndex), stageIndex: s.stageIndex, ...e.data },
    atMs,
  }));
}

/** Saves `s` with `patch` applied and its events; returns the saved state. */
export async function commit(ctx: StepContext, s: RolloutState, patch: Partial<RolloutState>, events: StepEvent[]): Promise<RolloutState> {
  const now = ctx.clock.now();
  const next: RolloutState = { ...s, ...patch, updatedAtMs: now };
  // Events are tagged with the stage they happened in (the one before the transition);
  // events about the stage being entered name it in their own data.
  const saved = await ctx.store.save(next, toEvents(ctx, s, events, now), ctx.owner);
  for (const e of events) ctx.logger.info({ migration: s.migration, stage: stageName(ctx, s.stageIndex), actor: e.actor ?? 'controller', event: e.kind }, e.reason ?? e.kind);
  return saved;
}

/** Appends events without a state change. */
export async function record(ctx: StepContext, s: RolloutState, events: StepEvent[]): Promise<void> {
  await ctx.store.appendEvents(toEvents(ctx, s, events, ctx.clock.now()));
  for (const e of events) ctx.logger.info({ migration: s.migration, stage: stageName(ctx, s.stageIndex), actor: e.actor ?? 'controller', event: e.kind }, e.reason ?? e.kind);
}
