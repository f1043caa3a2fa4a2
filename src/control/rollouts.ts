/**
 * Rollout state in the control database: one row per migration with its status, stage,
 * phase, a revision for optimistic concurrency, and the lease that lets one controller at
 * a time drive it. Every save appends its audit events in the same transaction.
 */
import type { Knex } from 'knex';
import { fail } from '../errors.js';
import { appendEvent, type NewEvent } from './events.js';

/** A stored rollout. The controller's own fields travel in `state` (JSON). */
export interface RolloutRecord {
  migration: string;
  status: string;
  stageIndex: number;
  stageName: string;
  phase: string;
  stageStartedAtMs: number | null;
  lastGoodStageIndex: number;
  consecutiveFailures: number;
  /** Identifies the plan's stage structure. */
  fingerprint: string;
  /** Grows by one on every save. */
  revision: number;
  state: Record<string, unknown>;
  createdAtMs: number;
  updatedAtMs: number;
}

/** Who holds a rollout's lease. */
export interface LeaseInfo {
  owner: string | null;
  expiresAtMs: number | null;
}

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

function fromRow(r: Record<string, unknown>): RolloutRecord {
  return {
    migration: String(r['migration']),
    status: String(r['status']),
    stageIndex: Number(r['stage_index']),
    stageName: String(r['stage_name']),
    phase: String(r['phase']),
    stageStartedAtMs: num(r['stage_started_at_ms']),
    lastGoodStageIndex: num(r['last_good_stage_index']) ?? -1,
    consecutiveFailures: Number(r['consecutive_failures']),
    fingerprint: String(r['playbook_hash']),
    revision: Number(r['revision']),
    state: JSON.parse(String(r['state_json'])) as Record<string, unknown>,
    createdAtMs: Number(r['created_at_ms']),
    updatedAtMs: Number(r['updated_at_ms']),
  };
}

function toRow(r: RolloutRecord): Record<string, unknown> {
  return {
    status: r.status,
    stage_index: r.stageIndex,
    stage_name: r.stageName,
    phase: r.phase,
    stage_started_at_ms: r.stageStartedAtMs,
    last_good_stage_index: r.lastGoodStageIndex,
    consecutive_failures: r.consecutiveFailures,
    playbook_hash: r.fingerprint,
    state_json: JSON.stringify(r.state),
    updated_at_ms: r.updatedAtMs,
  };
}

/** Reads a rollout; undefined when there is none. */
export async function readRollout(db: Knex, migration: string): Promise<RolloutRecord | undefined> {
  const row = (await db('sy_rollouts').where({ migration }).first()) as Record<string, unknown> | undefined;
  return row ? fromRow(row) : undefined;
}

/** Lists every rollout (for `status` without a playbook). */
export async function listRollouts(db: Knex): Promise<RolloutRecord[]> {
  const rows = (await db('sy_rollouts').orderBy('migration')) as Array<Record<string, unknown>>;
  return rows.map(fromRow);
}

/** Inserts the rollout unless one exists; returns the stored one. */
export async function insertRolloutIfAbsent(db: Knex, record: RolloutRecord): Promise<RolloutRecord> {
  await db('sy_rollouts')
    .insert({ migration: record.migration, ...toRow(record), revision: record.revision, created_at_ms: record.createdAtMs })
    .onConflict('migration')
    .ignore();
  return (await readRollout(db, record.migration))!;
}

/**
 * Saves a rollout whose stored revision is `record.revision` and whose lease `owner` holds,
 * appending `events` in the same transaction. Returns the new revision. Throws
 * ROLLOUT_LEASE_LOST when the lease or the revision moved on (another process took over).
 */
export async function saveRollout(db: Knex, record: RolloutRecord, events: NewEvent[], owner: string): Promise<number> {
  return db.transaction(async (trx) => {
    const n = await trx('sy_rollouts')
      .where({ migration: record.migration, revision: record.revision, lease_owner: owner })
      .update({ ...toRow(record), revision: record.revision + 1 });
    if (n !== 1) {
      const cur = (await trx('sy_rollouts').where({ migration: record.migration }).first()) as Record<string, unknown> | undefined;
      throw fail('ROLLOUT_LEASE_LOST', `rollout ${record.migration}: lease or revision moved on (held by ${String(cur?.['lease_owner'] ?? 'nobody')}, revision ${String(cur?.['revision'] ?? '?')}, expected ${record.revision})`, {
        hint: 'another controller took over; this one stops',
      });
    }
    for (const e of events) await appendEvent(trx, { ...e, migration: record.migration, atMs: e.atMs ?? record.updatedAtMs });
    return record.revision + 1;
  });
}

/** Result of {@link acquireRolloutLease}. */
export type LeaseAttempt = { acquired: true } | { acquired: false; owner: string; expiresAtMs: number };

/**
 * Takes the lease when it is free, expired, already ours, or held by `takeOverFrom` (a
 * holder known to be dead). The rollout row must exist.
 */
export async function acquireRolloutLease(db: Knex, migration: string, owner: string, ttlMs: number, nowMs: number, takeOverFrom?: string): Promise<LeaseAttempt> {
  const n = await db('sy_rollouts')
    .where({ migration })
    .andWhere((q) => {
      q.whereNull('lease_owner').orWhere('lease_owner', owner).orWhere('lease_expires_at_ms', '<=', nowMs);
      if (takeOverFrom) q.orWhere('lease_owner', takeOverFrom);
    })
    .update({ lease_owner: owner, lease_expires_at_ms: nowMs + ttlMs });
  if (n === 1) return { acquired: true };
  const lease = await readLease(db, migration);
  if (!lease.owner) throw fail('ROLLOUT_BAD_STATE', `rollout ${migration} does not exist`);
  return { acquired: false, owner: lease.owner, expiresAtMs: lease.expiresAtMs ?? 0 };
}

/** Extends our lease; false when it is no longer ours. */
export async function renewRolloutLease(db: Knex, migration: string, owner: string, ttlMs: number, nowMs: number): Promise<boolean> {
  const n = await db('sy_rollouts').where({ migration, lease_owner: owner }).update({ lease_expires_at_ms: nowMs + ttlMs });
  return n === 1;
}

/** Gives the lease up (no-op when it is not ours). */
export async function releaseRolloutLease(db: Knex, migration: string, owner: string): Promise<void> {
  await db('sy_rollouts').where({ migration, lease_owner: owner }).update({ lease_owner: null, lease_expires_at_ms: null });
}

/** Who holds the lease. */
export async function readLease(db: Knex, migration: string): Promise<LeaseInfo> {
  const row = (await db('sy_rollouts').where({ migration }).first('lease_owner', 'lease_expires_at_ms')) as Record<string, unknown> | undefined;
  return { owner: row?.['lease_owner'] == null ? null : String(row['lease_owner']), expiresAtMs: num(row?.['lease_expires_at_ms']) };
}
