/** A rollout's status for people and scripts: `switchyard status`. */
import type { StoredEvent } from '../control/events.js';
import { isDeadLocalOwner } from './lease.js';
import type { Evaluation } from './gates/types.js';
import type { DualWriteMode, RolloutPlan, SplitState } from './plan.js';
import type { Phase, RolloutStatus } from './state.js';
import type { RolloutStore } from './store.js';

/** Everything `status` shows. */
export interface RolloutStatusReport {
  migration: string;
  /** `not-started` when no controller ever ran it. */
  status: RolloutStatus | 'not-started';
  phase: Phase | null;
  stage: { index: number; name: string; kind: string; of: number } | null;
  reason: string;
  /** The split stored in the control database (what proxies use now), basis points. */
  split: SplitState;
  /** The split the current stage wants. */
  stageSplit: SplitState | null;
  dualWrite: DualWriteMode | null;
  hold: { startedAtMs: number; holdMs: number; remainingMs: number } | null;
  lastGoodStage: string | null;
  failures: { consecutive: number; limit: number } | null;
  nextEvaluationAtMs: number | null;
  evaluation: Evaluation | null;
  lease: { owner: string; expiresAtMs: number; live: boolean } | null;
  pendingCommands: Array<{ id: number; kind: string; actor: string }>;
  events: StoredEvent[];
  atMs: number;
}

/** Reads the status of `plan.migration`. */
export async function readStatus(store: RolloutStore, plan: RolloutPlan, nowMs: number, recentEvents = 10): Promise<RolloutStatusReport> {
  const [s, split, mode, lease, pending, events] = await Promise.all([
    store.load(plan.migration),
    store.getSplits(plan.migration),
    store.getDualWriteMode(plan.migration),
    store.readLease(plan.migration).catch(() => ({ owner: null, expiresAtMs: null })),
    store.pendingCommands(plan.migration),
    store.recentEvents(plan.migration, recentEvents),
  ]);
  const st = s ? plan.stages[s.stageIndex] : undefined;
  const holding = s?.status !== undefined && (s.status === 'running' || s.status === 'paused') && s.phase === 'holding' && s.holdStartedAtMs !== null;
  return {
    migration: plan.migration,
    status: s?.status ?? 'not-started',
    phase: s?.status === 'running' || s?.status === 'paused' ? s.phase : null,
    stage: s && st ? { index: s.stageIndex, name: st.name, kind: st.kind, of: plan.stages.length } : null,
    reason: s?.reason ?? '',
    split,
    stageSplit: st?.split ?? null,
    dualWrite: mode ?? null,
    hold: holding && st ? { startedAtMs: s.holdStartedAtMs!, holdMs: st.holdMs, remainingMs: Math.max(0, s.holdStartedAtMs! + st.holdMs - nowMs) } : null,
    lastGoodStage: s && s.lastGoodStageIndex >= 0 ? (plan.stages[s.lastGoodStageIndex]?.name ?? null) : null,
    failures: s && st ? { consecutive: s.consecutiveFailures, limit: st.failureLimit } : null,
    nextEvaluationAtMs: s?.status === 'running' ? s.nextEvaluationAtMs : null,
    evaluation: s?.lastEvaluation ?? null,
    lease: lease.owner ? { owner: lease.owner, expiresAtMs: lease.expiresAtMs ?? 0, live: (lease.expiresAtMs ?? 0) > nowMs && !isDeadLocalOwner(lease.owner) } : null,
    pendingCommands: pending.map((c) => ({ id: c.id, kind: c.kind, actor: c.actor })),
    events,
    atMs: nowMs,
  };
}
