/** Fakes for controller unit tests: in-memory metrics, recorded hooks and actions, scripted checks. */
import { emptyHistogram, observe } from '../../../src/control/histogram.js';
import type { SnapshotWindow, UpstreamName, UpstreamTotals } from '../../../src/control/snapshots.js';
import type { ActionResult, StageActions } from '../../../src/rollout/actions.js';
import { createFakeClock, type FakeClock } from '../../../src/rollout/clock.js';
import { createController, type Controller } from '../../../src/rollout/controller.js';
import type { CheckRunner } from '../../../src/rollout/gates/evaluate.js';
import type { GateSources, ReconcileRunSummary } from '../../../src/rollout/gates/types.js';
import type { HookContext, HookRunner } from '../../../src/rollout/hooks.js';
import { createMemoryRolloutStore, type MemoryRolloutStore } from '../../../src/rollout/memory-store.js';
import type { DualWriteMode, GateConfig, HookSpec, PlannedStage, RolloutPlan } from '../../../src/rollout/plan.js';

export interface Traffic {
  atMs: number;
  upstream: UpstreamName;
  methodClass: string;
  calls: number;
  errors: number;
  latencyMs?: number;
  shadowCompared?: number;
  shadowMismatched?: number;
}

/** In-memory gate sources. */
export function fakeSources(): GateSources & { traffic: Traffic[]; runs: ReconcileRunSummary[] } {
  const traffic: Traffic[] = [];
  const runs: ReconcileRunSummary[] = [];
  const empty = (): UpstreamTotals => ({ calls: 0, errors: 0, codes: {}, latency: emptyHistogram(), shadowCompared: 0, shadowMismatched: 0, shadowDropped: 0, proxies: 0 });
  return {
    traffic,
    runs,
    async sumSnapshots(w: SnapshotWindow) {
      const out = { legacy: empty(), next: empty() };
      for (const t of traffic) {
        if (t.atMs <= w.sinceMs || (w.untilMs !== undefined && t.atMs > w.untilMs)) continue;
        if (w.methodClass !== undefined && t.methodClass !== w.methodClass) continue;
        const o = out[t.upstream];
        o.calls += t.calls;
        o.errors += t.errors;
        o.shadowCompared += t.shadowCompared ?? 0;
        o.shadowMismatched += t.shadowMismatched ?? 0;
        o.proxies = 1;
        for (let i = 0; i < t.calls; i++) observe(o.latency, t.latencyMs ?? 5);
      }
      return out;
    },
    async latestReconcileRun(_m: string, sinceMs: number) {
      return runs.filter((r) => r.startedAtMs >= sinceMs).at(-1);
    },
  };
}

/** Adds `calls` calls per side at `atMs` in `methodClass`, with the given error counts. */
export function addTraffic(src: { traffic: Traffic[] }, atMs: number, methodClass: string, next: { calls: number; errors: number; latencyMs?: number }, legacy: { calls: number; errors: number; latencyMs?: number }): void {
  src.traffic.push({ atMs, upstream: 'next', methodClass, ...next }, { atMs, upstream: 'legacy', methodClass, ...legacy });
}

export interface HookCall {
  name: string;
  point: string;
  stage: string;
  reason: string;
}

/** Records hook calls; `fail` names hooks that fail. */
export function fakeHooks(): HookRunner & { calls: HookCall[]; fail: Set<string> } {
  const calls: HookCall[] = [];
  const fail = new Set<string>();
  return {
    calls,
    fail,
    async run(hook: HookSpec, ctx: HookContext) {
      calls.push({ name: hook.name, point: ctx.point, stage: ctx.stage, reason: ctx.reason });
      const ok = !fail.has(hook.name);
      return { ok, detail: ok ? 'exit code 0' : 'exit code 1: boom', durationMs: 1 };
    },
  };
}

/** Records actions; results can be scripted. */
export function fakeActions(): StageActions & { log: string[]; modes: DualWriteMode[]; result: Partial<Record<'prepare' | 'backfill' | 'reconcile', ActionResult>>; onReconcile?: () => void } {
  const log: string[] = [];
  const modes: DualWriteMode[] = [];
  const self = {
    log,
    modes,
    result: {} as Partial<Record<'prepare' | 'backfill' | 'reconcile', ActionResult>>,
    onReconcile: undefined as undefined | (() => void),
    async prepare() {
      log.push('prepare');
      return self.result.prepare ?? { ok: true, summary: 'all reachable' };
    },
    async backfill(spec: { tables: string[] }) {
      log.push(`backfill:${spec.tables.join(',')}`);
      return self.result.backfill ?? { ok: true, summary: 'copied 10 rows' };
    },
    async reconcile(spec: { tables: string[] }) {
      log.push(`reconcile:${spec.tables.join(',')}`);
      self.onReconcile?.();
      return self.result.reconcile ?? { ok: true, summary: 'consistent' };
    },
    async setDualWriteMode(mode: DualWriteMode) {
      if (modes.at(-1) !== mode) modes.push(mode);
    },
  };
  return self;
}

/** Custom checks scripted by name. */
export function fakeChecks(): CheckRunner & { ok: Map<string, boolean> } {
  const ok = new Map<string, boolean>();
  return { ok, run: async (c) => ({ ok: ok.get(c.name) ?? true, detail: ok.get(c.name) === false ? 'exit code 1' : 'exit code 0' }) };
}

export const noGates = (): GateConfig => ({ windowMs: 60_000, baselineWindowMs: 3_600_000, custom: [] });

const hook = (name: string): HookSpec => ({ name, kind: 'command', command: name, timeoutMs: 1000, idempotent: false });

/** A stage with defaults. */
export function stage(index: number, name: string, patch: Partial<PlannedStage> = {}): PlannedStage {
  return {
    index,
    name,
    kind: 'shift',
    split: { 'class:reads': 0, 'class:writes': 0 },
    dualWrite: 'legacy-only',
    holdMs: 0,
    inconclusiveTimeoutMs: 10 * 60_000,
    failureLimit: 3,
    gates: noGates(),
    preStage: [hook(`pre-${name}`)],
    postStage: [hook(`post-${name}`)],
    actions: [],
    ...patch,
  };
}

/** dual-write → reads 10% (errorRate gate, 10 min hold) → reads 100% → writes 100% (retire). */
export function samplePlan(patch: Partial<RolloutPlan> = {}): RolloutPlan {
  const errorRate: GateConfig['errorRate'] = { maxAbsolute: 0.05, relative: { alpha: 0.05, minDifference: 0 }, minCalls: 100 };
  return {
    migration: 'chat',
    stages: [
      stage(0, 'dual-write', { kind: 'dual-write', dualWrite: 'dual-legacy-primary' }),
      stage(1, 'reads-10%', { split: { 'class:reads': 1000, 'class:writes': 0 }, dualWrite: 'dual-legacy-primary', holdMs: 10 * 60_000, gates: { ...noGates(), errorRate } }),
      stage(2, 'reads-100%', { split: { 'class:reads': 10000, 'class:writes': 0 }, dualWrite: 'dual-legacy-primary', holdMs: 10 * 60_000, gates: { ...noGates(), errorRate } }),
      stage(3, 'retire', { kind: 'retire', split: { 'class:reads': 10000, 'class:writes': 10000 }, dualWrite: 'next-only' }),
    ],
    initial: { split: { 'class:reads': 0, 'class:writes': 0 }, dualWrite: 'legacy-only' },
    intervalMs: 60_000,
    leaseTtlMs: 30_000,
    onInconclusive: 'pause',
    onRollback: [hook('on-rollback')],
    onComplete: [hook('on-complete')],
    methodClass: {},
    fingerprint: 'fp-1',
    ...patch,
  };
}

/** A controller on fakes, with helpers to drive it. */
export interface Rig {
  clock: FakeClock;
  store: MemoryRolloutStore;
  sources: ReturnType<typeof fakeSources>;
  hooks: ReturnType<typeof fakeHooks>;
  actions: ReturnType<typeof fakeActions>;
  checks: ReturnType<typeof fakeChecks>;
  controller: Controller;
  /** Steps until nothing is left to do now; returns the state. */
  settle(): Promise<ReturnType<Controller['state']>>;
  /** Advances the clock in `stepMs` increments up to `totalMs`, settling after each; `each` runs before each settle. */
  run(totalMs: number, stepMs: number, each?: (nowMs: number) => void): Promise<ReturnType<Controller['state']>>;
  /** Queues a manual command. */
  command(kind: string, args?: Record<string, unknown>, actor?: string): Promise<number>;
  kinds(): string[];
}

export async function createRig(plan: RolloutPlan = samplePlan(), store: MemoryRolloutStore = createMemoryRolloutStore(), clock: FakeClock = createFakeClock()): Promise<Rig> {
  const sources = fakeSources();
  const hooks = fakeHooks();
  const actions = fakeActions();
  const checks = fakeChecks();
  const controller = createController({ plan, store, actions, sources, hooks, checks, clock, owner: 'test-owner' });
  await controller.acquire();
  const rig: Rig = {
    clock,
    store,
    sources,
    hooks,
    actions,
    checks,
    controller,
    async settle() {
      for (let i = 0; i < 200; i++) {
        const r = await controller.step();
        if (!r.progressed) return r.state;
      }
      throw new Error('controller did not settle in 200 steps');
    },
    async run(totalMs, stepMs, each) {
      let s = await rig.settle();
      for (let t = 0; t < totalMs; t += stepMs) {
        clock.advance(stepMs);
        each?.(clock.now());
        s = await rig.settle();
      }
      return s;
    },
    command: (kind, args = {}, actor = 'user:alice') => store.enqueueCommand({ migration: plan.migration, kind, args, actor, reason: '' }, clock.now()),
    kinds: () => store.events.map((e) => e.kind),
  };
  return rig;
}

/** Healthy traffic: 200 calls per side per minute in `cls`, 1 error each. */
export const healthy = (rig: Rig, cls = 'reads') => (now: number): void => addTraffic(rig.sources, now, cls, { calls: 200, errors: 1 }, { calls: 200, errors: 1 });
/** Failing traffic: next fails 20%. */
export const failing = (rig: Rig, cls = 'reads') => (now: number): void => addTraffic(rig.sources, now, cls, { calls: 200, errors: 40 }, { calls: 200, errors: 1 });
