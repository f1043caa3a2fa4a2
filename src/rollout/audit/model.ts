/** The audit trail of a rollout, summarised for reports: stages, rollbacks, manual actions, the full timeline. */
import type { StoredEvent } from '../../control/events.js';

/** One attempt at a stage. */
export interface StageAttempt {
  stage: string;
  enteredAtMs: number | null;
  /** passed | rolled-back | aborted | blocked | skipped | promoted | in progress */
  outcome: string;
  endedAtMs: number | null;
  /** Who ended it (controller, gate:<name>, user:<name>). */
  by: string;
  reason: string;
  gateFailures: number;
}

/** Everything an audit report shows. */
export interface AuditTrail {
  migration: string;
  generatedAtMs: number;
  /** Current status line (status, stage, split, mode), when known. */
  status: { status: string; stage: string | null; reason: string; split: Record<string, number>; dualWrite: string | null; lastGoodStage: string | null } | null;
  attempts: StageAttempt[];
  /** Rollbacks, aborts, blocks, manual commands and lease take-overs, in order. */
  notable: StoredEvent[];
  events: StoredEvent[];
}

const NOTABLE = new Set(['rollback.started', 'rollout.rolled-back', 'rollout.aborted', 'stage.blocked', 'rollout.paused', 'rollout.resumed', 'stage.promoted', 'stage.skipped', 'split.shifted', 'command.applied', 'command.rejected', 'lease.taken-over', 'hook.failed', 'action.failed']);

/** Builds the summary from the events (oldest first). */
export function buildAuditTrail(migration: string, events: StoredEvent[], status: AuditTrail['status'], nowMs: number = Date.now()): AuditTrail {
  const attempts: StageAttempt[] = [];
  let current: StageAttempt | undefined;
  const close = (outcome: string, e: StoredEvent): void => {
    if (!current) return;
    Object.assign(current, { outcome, endedAtMs: e.atMs, by: e.actor, reason: e.reason });
    current = undefined;
  };
  for (const e of events) {
    const stage = String(e.data['stage'] ?? '');
    switch (e.kind) {
      case 'stage.entering':
        if (current) close(current.outcome === 'promoted' ? 'promoted' : 'left', e);
        current = { stage, enteredAtMs: e.atMs, outcome: 'in progress', endedAtMs: null, by: '', reason: '', gateFailures: 0 };
        attempts.push(current);
        break;
      case 'gate.failed':
        if (current) current.gateFailures += 1;
        break;
      case 'stage.passed':
        close('passed', e);
        break;
      case 'stage.promoted':
        if (current) current.outcome = 'promoted';
        break;
      case 'stage.skipped':
        close('skipped', e);
        break;
      case 'stage.blocked':
        if (current) Object.assign(current, { outcome: 'blocked', by: e.actor, reason: e.reason, endedAtMs: e.atMs });
        break;
      case 'rollout.rolled-back':
        close('rolled back', e);
        break;
      case 'rollout.aborted':
        close('aborted', e);
        break;
    }
  }
  return { migration, generatedAtMs: nowMs, status, attempts, notable: events.filter((e) => NOTABLE.has(e.kind)), events };
}

/** Epoch ms → `2024-05-01 12:00:03.123Z`. */
export function isoTime(ms: number | null): string {
  return ms === null ? '-' : new Date(ms).toISOString().replace('T', ' ');
}
