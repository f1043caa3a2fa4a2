/**
 * Where the controller keeps its state: the control database in production
 * ({@link createDbRolloutStore}), memory in unit tests ({@link createMemoryRolloutStore}).
 * Both behave the same, including the lease and the revision check.
 */
import type { NewEvent, StoredEvent } from '../control/events.js';
import type { OpRecord, StoredCommand } from '../control/rollout-journal.js';
import type { LeaseAttempt, LeaseInfo } from '../control/rollouts.js';
import type { DualWriteMode, SplitState } from './plan.js';
import type { RolloutState } from './state.js';

export type { LeaseAttempt, LeaseInfo, OpRecord, StoredCommand, StoredEvent, NewEvent };

/** A manual command to queue. */
export interface NewCommand {
  migration: string;
  kind: string;
  args: Record<string, unknown>;
  actor: string;
  reason: string;
}

/** Persistence for rollouts. */
export interface RolloutStore {
  load(migration: string): Promise<RolloutState | undefined>;
  /** Stores `state` unless a rollout exists; returns the stored one. */
  init(state: RolloutState): Promise<RolloutState>;
  /**
   * Saves `state` (whose `revision` must be the stored one) while `owner` holds the lease,
   * with its audit events, atomically. Returns the state with the new revision.
   * Throws ROLLOUT_LEASE_LOST otherwise.
   */
  save(state: RolloutState, events: NewEvent[], owner: string): Promise<RolloutState>;
  /** Appends audit events outside a state change. */
  appendEvents(events: NewEvent[]): Promise<void>;
  /** The most recent `last` events of a migration, oldest first. */
  recentEvents(migration: string, last: number): Promise<StoredEvent[]>;

  acquireLease(migration: string, owner: string, ttlMs: number, nowMs: number, takeOverFrom?: string): Promise<LeaseAttempt>;
  renewLease(migration: string, owner: string, ttlMs: number, nowMs: number): Promise<boolean>;
  releaseLease(migration: string, owner: string): Promise<void>;
  readLease(migration: string): Promise<LeaseInfo>;

  readOp(migration: string, key: string): Promise<OpRecord | undefined>;
  beginOp(migration: string, key: string, description: string, nowMs: number): Promise<void>;
  finishOp(migration: string, key: string, ok: boolean, result: Record<string, unknown>, nowMs: number): Promise<void>;

  /** The stored split per target. */
  getSplits(migration: string): Promise<SplitState>;
  /** Sets the targets whose split differs (one `split.changed` event each); true when any changed. */
  setSplits(migration: string, split: SplitState, actor: string, reason: string, nowMs: number): Promise<boolean>;
  /** The stored dual-write mode (table `*`), if any. */
  getDualWriteMode(migration: string): Promise<DualWriteMode | undefined>;

  enqueueCommand(cmd: NewCommand, nowMs: number): Promise<number>;
  pendingCommands(migration: string): Promise<StoredCommand[]>;
  readCommand(id: number): Promise<StoredCommand | undefined>;
  finishCommand(id: number, status: 'applied' | 'rejected', result: string, nowMs: number): Promise<void>;
}

/** Targets whose split differs from `current`. */
export function changedTargets(current: SplitState, wanted: SplitState): Array<[string, number]> {
  return Object.entries(wanted).filter(([t, bp]) => bp !== undefined && (current as Record<string, number | undefined>)[t] !== bp) as Array<[string, number]>;
}
