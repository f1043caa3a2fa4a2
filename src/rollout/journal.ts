/**
 * Hooks and stage actions run through the journal: the intent is stored before they run
 * and the outcome after, keyed by the transition (`seq`). Replayed after a restart, a
 * finished one is not run again; one interrupted mid-run is re-run only when it is
 * idempotent (stage actions are resumable; hooks must say so), otherwise reported as failed.
 */
import { effectAt, type HookSpec, type StageActionSpec } from './plan.js';
import type { ActionResult } from './actions.js';
import type { HookPoint } from './hooks.js';
import { checkStopping, record, stageName, type StepContext } from './context.js';
import type { RolloutState } from './state.js';

/** Outcome of a journalled hook or action. */
export interface JournalOutcome {
  ok: boolean;
  detail: string;
  /** Found finished in the journal: not run now. */
  replayed: boolean;
}

async function once(
  ctx: StepContext,
  s: RolloutState,
  key: string,
  description: string,
  rerunIfInterrupted: boolean,
  run: () => Promise<{ ok: boolean; detail: string; data?: Record<string, unknown> }>,
  eventKind: string,
  eventData: Record<string, unknown>,
  actor: string,
): Promise<JournalOutcome> {
  const opKey = `${s.seq}:${key}`;
  const existing = await ctx.store.readOp(s.migration, opKey);
  if (existing && existing.status !== 'started') return { ok: existing.status === 'succeeded', detail: String(existing.result?.['detail'] ?? ''), replayed: true };
  if (existing && !rerunIfInterrupted) {
    const detail = 'interrupted: the controller stopped while it ran; not run again because it is not marked idempotent';
    await ctx.store.finishOp(s.migration, opKey, false, { detail }, ctx.clock.now());
    await record(ctx, s, [{ kind: `${eventKind}.failed`, reason: `${description}: ${detail}`, actor, data: { ...eventData, interrupted: true } }]);
    return { ok: false, detail, replayed: false };
  }
  if (!existing) await ctx.store.beginOp(s.migration, opKey, description, ctx.clock.now());
  let r: { ok: boolean; detail: string; data?: Record<string, unknown> };
  try {
    r = await run();
  } catch (err) {
    r = { ok: false, detail: (err as Error).message };
  }
  // Cut short because we are stopping: leave the intent unfinished; the next run resumes it.
  if (!r.ok) checkStopping(ctx);
  await ctx.store.finishOp(s.migration, opKey, r.ok, { detail: r.detail, ...r.data }, ctx.clock.now());
  await record(ctx, s, [{ kind: `${eventKind}.${r.ok ? 'succeeded' : 'failed'}`, reason: `${description}: ${r.detail}`, actor, data: { ...eventData, ...r.data } }]);
  return { ok: r.ok, detail: r.detail, replayed: false };
}

/** Runs the `index`th hook of `point` for the current transition, once. */
export function runHookOnce(ctx: StepContext, s: RolloutState, point: HookPoint, index: number, hook: HookSpec, reason: string, actor = 'controller'): Promise<JournalOutcome> {
  const stageIndex = s.stageIndex;
  const split = effectAt(ctx.plan, point === 'onRollback' ? (s.rollback?.toStage ?? -1) : s.stageIndex).split;
  const description = `${point} hook ${hook.name}`;
  return once(
    ctx,
    s,
    `${point}:${index}`,
    description,
    hook.idempotent,
    async () => {
      // Not aborted by a graceful stop: a hook runs to its end (bounded by its timeout).
      const r = await ctx.hooks.run(hook, { migration: s.migration, point, stage: stageName(ctx, stageIndex), stageIndex, reason, split });
      return { ok: r.ok, detail: r.detail, data: { durationMs: r.durationMs } };
    },
    'hook',
    { hook: hook.name, point, kind: hook.kind },
    actor,
  );
}

/** Runs a stage action for the current transition (re-run after an interruption: actions resume). */
export function runActionOnce(ctx: StepContext, s: RolloutState, key: string, action: StageActionSpec | { t: 'reconcile'; tables: string[]; repair: boolean }): Promise<JournalOutcome> {
  const stage = stageName(ctx, s.stageIndex);
  const actx = { migration: s.migration, stage, stageIndex: s.stageIndex, signal: ctx.signal, logger: ctx.logger };
  const run = async (): Promise<ActionResult> => {
    if (action.t === 'prepare') return ctx.actions.prepare({ connectivity: action.connectivity, schema: action.schema }, actx);
    if (action.t === 'backfill') return ctx.actions.backfill({ tables: action.tables, maxRowsPerSecond: action.maxRowsPerSecond }, actx);
    return ctx.actions.reconcile({ tables: action.tables, repair: action.repair }, actx);
  };
  return once(
    ctx,
    s,
    key,
    `${action.t} action`,
    true,
    async () => {
      const r = await run();
      return { ok: r.ok, detail: r.summary, data: r.data };
    },
    'action',
    { action: action.t },
    'controller',
  );
}
