/** The control-database {@link RolloutStore} and {@link GateSources}. */
import type { Knex } from 'knex';
import { appendEvent, listEvents } from '../control/events.js';
import { getDualWriteModes } from '../control/dual-write-modes.js';
import * as journal from '../control/rollout-journal.js';
import { getRoutes, setSplits, type RouteTarget } from '../control/routes.js';
import * as rollouts from '../control/rollouts.js';
import { sumSnapshots } from '../control/snapshots.js';
import type { GateSources, ReconcileRunSummary } from './gates/types.js';
import type { DualWriteMode, SplitState } from './plan.js';
import type { RolloutState } from './state.js';
import { changedTargets, type RolloutStore } from './store.js';

function toRecord(s: RolloutState, stageName: string): rollouts.RolloutRecord {
  return {
    migration: s.migration,
    status: s.status,
    stageIndex: s.stageIndex,
    stageName,
    phase: s.phase,
    stageStartedAtMs: s.stageStartedAtMs,
    lastGoodStageIndex: s.lastGoodStageIndex,
    consecutiveFailures: s.consecutiveFailures,
    fingerprint: s.planFingerprint,
    revision: s.revision,
    state: s as unknown as Record<string, unknown>,
    createdAtMs: s.createdAtMs,
    updatedAtMs: s.updatedAtMs,
  };
}

function fromRecord(r: rollouts.RolloutRecord): RolloutState {
  return { ...(r.state as unknown as RolloutState), revision: r.revision };
}

/** Options for {@link createDbRolloutStore}. */
export interface DbRolloutStoreOptions {
  /** Stage index → name, stored in the row's `stage_name` column for humans. Default: empty. */
  stageName?: (index: number) => string;
}

/** A {@link RolloutStore} on the control database. */
export function createDbRolloutStore(db: Knex, options: DbRolloutStoreOptions = {}): RolloutStore {
  const name = options.stageName ?? (() => '');
  return {
    async load(m) {
      const r = await rollouts.readRollout(db, m);
      return r ? fromRecord(r) : undefined;
    },
    async init(state) {
      return fromRecord(await rollouts.insertRolloutIfAbsent(db, toRecord(state, name(state.stageIndex))));
    },
    async save(state, events, owner) {
      const revision = await rollouts.saveRollout(db, toRecord(state, name(state.stageIndex)), events, owner);
      return { ...state, revision };
    },
    async appendEvents(events) {
      for (const e of events) await appendEvent(db, e);
    },
    recentEvents: (m, last) => listEvents(db, { migration: m, last }),
    acquireLease: (m, owner, ttl, now, takeOver) => rollouts.acquireRolloutLease(db, m, owner, ttl, now, takeOver),
    renewLease: (m, owner, ttl, now) => rollouts.renewRolloutLease(db, m, owner, ttl, now),
    releaseLease: (m, owner) => rollouts.releaseRolloutLease(db, m, owner),
    readLease: (m) => rollouts.readLease(db, m),
    readOp: (m, key) => journal.readOp(db, m, key),
    beginOp: (m, key, d, now) => journal.beginOp(db, m, key, d, now),
    finishOp: (m, key, ok, result, now) => journal.finishOp(db, m, key, ok, result, now),
    async getSplits(m) {
      const out: SplitState = {};
      for (const r of await getRoutes(db, m)) out[r.target] = r.splitBp;
      return out;
    },
    async setSplits(m, wanted, actor, reason, now) {
      const changes = changedTargets(await this.getSplits(m), wanted);
      if (changes.length === 0) return false;
      await setSplits(db, changes.map(([target, splitBp]) => ({ migration: m, target: target as RouteTarget, splitBp, actor, reason })), now);
      return true;
    },
    async getDualWriteMode(m) {
      return (await getDualWriteModes(db, m)).find((x) => x.table === '*')?.mode as DualWriteMode | undefined;
    },
    enqueueCommand: (cmd, now) => journal.enqueueCommand(db, cmd, now),
    pendingCommands: (m) => journal.pendingCommands(db, m),
    readCommand: (id) => journal.readCommand(db, id),
    finishCommand: (id, status, result, now) => journal.finishCommand(db, id, status, result, now),
  };
}

/** Gate inputs from the control database: proxy snapshots and reconcile runs. */
export function createDbGateSources(db: Knex): GateSources {
  return {
    sumSnapshots: (window) => sumSnapshots(db, window),
    async latestReconcileRun(migration, sinceMs): Promise<ReconcileRunSummary | undefined> {
      const r = (await db('sy_reconcile_runs').where({ migration }).andWhere('started_at_ms', '>=', sinceMs).orderBy('id', 'desc').first()) as Record<string, unknown> | undefined;
      if (!r) return undefined;
      return {
        id: Number(r['id']),
        startedAtMs: Number(r['started_at_ms']),
        finishedAtMs: r['finished_at_ms'] == null ? null : Number(r['finished_at_ms']),
        status: String(r['status']),
        missingInNext: Number(r['missing_in_next']),
        extraInNext: Number(r['extra_in_next']),
        changed: Number(r['changed']),
        error: r['error'] == null ? null : String(r['error']),
      };
    },
  };
}
