/**
 * What a stage asks other parts of switchyard to do. The controller only sees this
 * interface; src/playbook/stage-actions.ts implements it with the store, backfill and
 * reconciler (the rollout layer never imports them).
 */
import type { Logger } from '../observability/logger.js';
import type { DualWriteMode } from './plan.js';

/** Context of an action. */
export interface ActionContext {
  migration: string;
  stage: string;
  stageIndex: number;
  /** Aborted when the controller stops or an operator aborts / pauses. */
  signal: AbortSignal;
  logger: Logger;
}

/** An action's outcome. A thrown error counts as `ok: false` with its message. */
export interface ActionResult {
  ok: boolean;
  /** One line for the audit trail. */
  summary: string;
  /** Structured facts (rows copied, run id, ...), stored with the audit event. */
  data?: Record<string, unknown>;
}

/** The side effects stages have beyond the split. */
export interface StageActions {
  /** Connectivity and schema checks (control-database migrations are already applied by then). */
  prepare(spec: { connectivity: boolean; schema: boolean }, ctx: ActionContext): Promise<ActionResult>;
  /** Copies existing rows (resumable: called again after a restart, it continues). */
  backfill(spec: { tables: string[]; maxRowsPerSecond?: number }, ctx: ActionContext): Promise<ActionResult>;
  /** Runs a reconcile and records it in the control database (the reconcile gate reads it). */
  reconcile(spec: { tables: string[]; repair: boolean }, ctx: ActionContext): Promise<ActionResult>;
  /** Sets the dual-write mode writers follow. Idempotent. */
  setDualWriteMode(mode: DualWriteMode, ctx: ActionContext & { actor: string; reason: string }): Promise<void>;
}
