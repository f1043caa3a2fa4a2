/** An in-memory {@link RolloutStore} for unit tests: same semantics as the database one, no I/O. */
import { fail } from '../errors.js';
import type { NewEvent, StoredEvent } from '../control/events.js';
import type { OpRecord, StoredCommand } from '../control/rollout-journal.js';
import type { DualWriteMode, SplitState } from './plan.js';
import type { RolloutState } from './state.js';
import { changedTargets, type NewCommand, type RolloutStore } from './store.js';

/** The memory store, with its contents exposed for assertions. */
export interface MemoryRolloutStore extends RolloutStore {
  readonly events: StoredEvent[];
  readonly ops: Map<string, OpRecord>;
  /** Lets tests play the proxy's role: the dual-write mode the controller set. */
  dualWriteModes: Map<string, DualWriteMode>;
}

const clone = <T>(v: T): T => structuredClone(v);

/** Creates an empty memory store. */
export function createMemoryRolloutStore(): MemoryRolloutStore {
  const rollouts = new Map<string, RolloutState>();
  const leases = new Map<string, { owner: string | null; expiresAtMs: number | null }>();
  const splits = new Map<string, SplitState>();
  const commands: StoredCommand[] = [];
  const events: StoredEvent[] = [];
  const ops = new Map<string, OpRecord>();
  const push = (e: NewEvent): void => {
    events.push({ id: events.length + 1, atMs: e.atMs ?? Date.now(), migration: e.migration ?? '', component: e.component, actor: e.actor, kind: e.kind, reason: e.reason ?? '', data: clone(e.data ?? {}) });
  };
  return {
    events,
    ops,
    dualWriteModes: new Map(),
    async load(m) {
      const s = rollouts.get(m);
      return s ? clone(s) : undefined;
    },
    async init(state) {
      if (!rollouts.has(state.migration)) rollouts.set(state.migration, clone(state));
      return clone(rollouts.get(state.migration)!);
    },
    async save(state, evts, owner) {
      const cur = rollouts.get(state.migration);
      const lease = leases.get(state.migration);
      if (!cur || cur.revision !== state.revision || lease?.owner !== owner) throw fail('ROLLOUT_LEASE_LOST', `rollout ${state.migration}: lease or revision moved on`);
      const saved = { ...clone(state), revision: state.revision + 1 };
      rollouts.set(state.migration, saved);
      for (const e of evts) push({ ...e, migration: state.migration, atMs: e.atMs ?? state.updatedAtMs });
      return clone(saved);
    },
    async appendEvents(evts) {
      for (const e of evts) push(e);
    },
    async recentEvents(m, last) {
      return clone(events.filter((e) => e.migration === m).slice(-last));
    },
    async acquireLease(m, owner, ttlMs, nowMs, takeOverFrom) {
      if (!rollouts.has(m)) throw fail('ROLLOUT_BAD_STATE', `rollout ${m} does not exist`);
      const l = leases.get(m) ?? { owner: null, expiresAtMs: null };
      if (l.owner === null || l.owner === owner || (l.expiresAtMs ?? 0) <= nowMs || l.owner === takeOverFrom) {
        leases.set(m, { owner, expiresAtMs: nowMs + ttlMs });
        return { acquired: true };
      }
      return { acquired: false, owner: l.owner, expiresAtMs: l.expiresAtMs ?? 0 };
    },
    async renewLease(m, owner, ttlMs, nowMs) {
      const l = leases.get(m);
      if (l?.owner !== owner) return false;
      l.expiresAtMs = nowMs + ttlMs;
      return true;
    },
    async releaseLease(m, owner) {
      if (leases.get(m)?.owner === owner) leases.set(m, { owner: null, expiresAtMs: null });
    },
    async readLease(m) {
      return { ...(leases.get(m) ?? { owner: null, expiresAtMs: null }) };
    },
    async readOp(m, key) {
      const op = ops.get(`${m}|${key}`);
      return op ? clone(op) : undefined;
    },
    async beginOp(m, key, description, nowMs) {
      if (ops.has(`${m}|${key}`)) throw new Error(`op ${key} already begun`);
      ops.set(`${m}|${key}`, { key, status: 'started', description, startedAtMs: nowMs, finishedAtMs: null, result: null });
    },
    async finishOp(m, key, ok, result, nowMs) {
      const op = ops.get(`${m}|${key}`);
      if (op) Object.assign(op, { status: ok ? 'succeeded' : 'failed', finishedAtMs: nowMs, result: clone(result) });
    },
    async getSplits(m) {
      return clone(splits.get(m) ?? {});
    },
    async setSplits(m, wanted, actor, reason, nowMs) {
      const cur = splits.get(m) ?? {};
      const changes = changedTargets(cur, wanted);
      for (const [target, bp] of changes) {
        push({ migration: m, component: 'routes', actor, kind: 'split.changed', reason, data: { target, fromBp: (cur as Record<string, number>)[target] ?? null, toBp: bp }, atMs: nowMs });
        (cur as Record<string, number>)[target] = bp;
      }
      splits.set(m, cur);
      return changes.length > 0;
    },
    async getDualWriteMode(m) {
      return this.dualWriteModes.get(m);
    },
    async enqueueCommand(cmd: NewCommand, nowMs) {
      const id = commands.length + 1;
      commands.push({ id, ...clone(cmd), createdAtMs: nowMs, status: 'pending', finishedAtMs: null, result: null });
      return id;
    },
    async pendingCommands(m) {
      return clone(commands.filter((c) => c.migration === m && c.status === 'pending'));
    },
    async readCommand(id) {
      const c = commands.find((x) => x.id === id);
      return c ? clone(c) : undefined;
    },
    async finishCommand(id, status, result, nowMs) {
      const c = commands.find((x) => x.id === id);
      if (c?.status === 'pending') Object.assign(c, { status, result, finishedAtMs: nowMs });
    },
  };
}
