/**
 * The persisted rollout state. `status` is the tag; `phase` matters while running:
 *
 *   pending ─► running ─┬─► completed
 *                        ├─► paused ◄──► running          (pause/resume, blocked stage, inconclusive data)
 *                        ├─► rolled-back ──► running       (resume retries the failed stage)
 *                        └─► aborted                       (everything back to legacy; final)
 *
 *   running phases, per stage: entering ─► holding ─► leaving ─► (next stage) entering …
 *                              the last stage: leaving ─► completing ─► completed
 *                              on a rollback:  rolling-back ─► rolled-back | aborted
 */
import type { GateResult, Evaluation } from './gates/types.js';

/** Where a rollout is. */
export type RolloutStatus = 'pending' | 'running' | 'paused' | 'rolled-back' | 'completed' | 'aborted';
/** What a running rollout is doing in its stage. */
export type Phase = 'entering' | 'holding' | 'leaving' | 'completing' | 'rolling-back';

/** A rollback in progress. */
export interface PendingRollback {
  /** Stage whose split and mode are restored (-1: the initial state). */
  toStage: number;
  /** Why. */
  reason: string;
  /** Who decided: `gate:<name>`, `user:<name>`, `controller`. */
  actor: string;
  /** An abort: ends in `aborted` instead of `rolled-back`. */
  abort: boolean;
}

/** The rollout state, one per migration. */
export interface RolloutState {
  migration: string;
  status: RolloutStatus;
  phase: Phase;
  /** The current stage (when rolled back: the stage that failed). */
  stageIndex: number;
  /** Grows on every transition that runs hooks; hook and action records are keyed by it. */
  seq: number;
  /** When the current stage was entered, epoch ms. */
  stageStartedAtMs: number | null;
  /** When its hold began (effects applied), epoch ms. */
  holdStartedAtMs: number | null;
  /** The last stage that held (-1: none). */
  lastGoodStageIndex: number;
  /** Failing evaluations in a row in this stage. */
  consecutiveFailures: number;
  /** Next gate evaluation, epoch ms. */
  nextEvaluationAtMs: number | null;
  /** The most recent evaluation in this stage. */
  lastEvaluation: Evaluation | null;
  /** Why the rollout is in its status (pause reason, rollback reason, ...). */
  reason: string;
  /** Set while rolling back. */
  rollback: PendingRollback | null;
  /** The last manual command applied (commands are applied once, in id order). */
  lastCommandId: number;
  /** The plan's fingerprint when the rollout started. */
  planFingerprint: string;
  /** Grows on every save (optimistic concurrency). */
  revision: number;
  createdAtMs: number;
  updatedAtMs: number;
}

/** A fresh rollout. */
export function initialState(migration: string, planFingerprint: string, nowMs: number): RolloutState {
  return {
    migration,
    status: 'pending',
    phase: 'entering',
    stageIndex: 0,
    seq: 0,
    stageStartedAtMs: null,
    holdStartedAtMs: null,
    lastGoodStageIndex: -1,
    consecutiveFailures: 0,
    nextEvaluationAtMs: null,
    lastEvaluation: null,
    reason: '',
    rollback: null,
    lastCommandId: 0,
    planFingerprint,
    revision: 0,
    createdAtMs: nowMs,
    updatedAtMs: nowMs,
  };
}

/** Statuses a `run` stops at. */
export function isFinal(status: RolloutStatus): boolean {
  return status === 'completed' || status === 'aborted' || status === 'rolled-back';
}

export type { GateResult, Evaluation };
