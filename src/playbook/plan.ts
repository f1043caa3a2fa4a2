/** Turns a validated playbook into the controller's {@link RolloutPlan}. */
import { createHash } from 'node:crypto';
import { percentToBp, type RouteTarget } from '../control/routes.js';
import type { HookSpec, PlannedStage, RolloutPlan, SplitState, StageActionSpec } from '../rollout/plan.js';
import { expandStages, type ExpandedStage } from './expand.js';
import type { LoadedPlaybook } from './load.js';
import { mergeGates } from './plan-gates.js';
import { classOf } from './rules.js';
import type { Playbook } from './schema/playbook.js';
import type { z } from 'zod';
import type { hook as hookSchema } from './schema/common.js';

/** Default hook timeouts, ms. */
export const DEFAULT_COMMAND_HOOK_TIMEOUT_MS = 60_000;
export const DEFAULT_WEBHOOK_TIMEOUT_MS = 10_000;

function hookSpec(h: z.output<typeof hookSchema>, cwd: string): HookSpec {
  if (h.command !== undefined) {
    return { name: h.name ?? h.command.trim().split(/\s+/)[0]!.split('/').pop()!, kind: 'command', command: h.command, timeoutMs: h.timeout ?? DEFAULT_COMMAND_HOOK_TIMEOUT_MS, idempotent: h.idempotent, cwd };
  }
  return { name: h.name ?? new URL(h.webhook!).host, kind: 'webhook', url: h.webhook, headers: h.headers, timeoutMs: h.timeout ?? DEFAULT_WEBHOOK_TIMEOUT_MS, idempotent: h.idempotent };
}

function allTables(pb: Playbook, list: string[] | undefined): string[] {
  return list ?? Object.keys(pb.tables);
}

function actionsOf(pb: Playbook, e: ExpandedStage): StageActionSpec[] {
  const s = e.input;
  if (s.kind === 'prepare') return [{ t: 'prepare', connectivity: s.checks.connectivity, schema: s.checks.schema }];
  if (s.kind === 'backfill') return [{ t: 'backfill', tables: allTables(pb, s.tables), maxRowsPerSecond: s.maxRowsPerSecond }];
  return [];
}

function reconcileOf(pb: Playbook, e: ExpandedStage): PlannedStage['reconcile'] {
  const s = e.input;
  if (s.kind === 'verify') return { tables: allTables(pb, s.tables), repair: s.repair };
  if (s.reconcile) return { tables: allTables(pb, s.reconcile.tables), repair: s.reconcile.repair };
  return undefined;
}

/** Builds the plan. `loaded.dir` is where command hooks and checks run. */
export function buildPlan(loaded: LoadedPlaybook): RolloutPlan {
  const pb = loaded.playbook;
  const cwd = loaded.dir;
  const expanded = expandStages(pb);
  const methodTargets = new Set<string>();
  for (const e of expanded) for (const m of Object.keys(e.split.methods)) methodTargets.add(m);
  const targets: RouteTarget[] = ['class:reads', 'class:writes', ...[...methodTargets].sort().map((m) => `method:${m}` as RouteTarget)];
  const initialSplit: SplitState = Object.fromEntries(targets.map((t) => [t, 0]));
  const methodClass: Record<string, string> = {};
  for (const m of methodTargets) methodClass[m] = classOf(pb, m);

  let split: SplitState = { ...initialSplit };
  let mode = pb.initialDualWrite;
  const stages: PlannedStage[] = expanded.map((e, index) => {
    split = { ...split };
    if (e.split.reads !== undefined) split['class:reads'] = percentToBp(e.split.reads);
    if (e.split.writes !== undefined) split['class:writes'] = percentToBp(e.split.writes);
    for (const [m, p] of Object.entries(e.split.methods)) split[`method:${m}`] = percentToBp(p);
    mode = e.dualWrite ?? mode;
    const reconcile = reconcileOf(pb, e);
    return {
      index,
      name: e.name,
      kind: e.kind,
      split,
      dualWrite: mode,
      holdMs: e.holdMs,
      inconclusiveTimeoutMs: e.input.inconclusiveTimeout ?? pb.controller.inconclusiveTimeout,
      failureLimit: e.input.failureLimit ?? pb.controller.failureLimit,
      gates: mergeGates(pb.gates, e.input.gates, reconcile !== undefined, cwd),
      preStage: [...pb.hooks.preStage, ...(e.input.hooks?.preStage ?? [])].map((h) => hookSpec(h, cwd)),
      postStage: [...pb.hooks.postStage, ...(e.input.hooks?.postStage ?? [])].map((h) => hookSpec(h, cwd)),
      actions: actionsOf(pb, e),
      reconcile,
    };
  });
  const fingerprint = createHash('sha256')
    .update(JSON.stringify(stages.map((s) => [s.name, s.kind])))
    .digest('hex')
    .slice(0, 16);
  return {
    migration: pb.migration,
    stages,
    initial: { split: initialSplit, dualWrite: pb.initialDualWrite },
    intervalMs: pb.controller.interval,
    leaseTtlMs: pb.controller.leaseTtl,
    onInconclusive: pb.controller.onInconclusive,
    onRollback: pb.hooks.onRollback.map((h) => hookSpec(h, cwd)),
    onComplete: pb.hooks.onComplete.map((h) => hookSpec(h, cwd)),
    methodClass,
    fingerprint,
  };
}
