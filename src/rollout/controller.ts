/**
 * The gray-release controller: drives one migration's rollout through its plan, one
 * persisted step at a time, while holding the migration's lease.
 */
import { fail } from '../errors.js';
import { silentLogger, type Logger } from '../observability/logger.js';
import type { StageActions } from './actions.js';
import { systemClock, type Clock } from './clock.js';
import { applyCommand } from './commands.js';
import { stageName, StepInterrupted, type StepContext } from './context.js';
import type { CheckRunner } from './gates/evaluate.js';
import type { GateSources } from './gates/types.js';
import { createCheckRunner, createHookRunner, type HookRunner } from './hooks.js';
import { createOwnerId, isDeadLocalOwner } from './lease.js';
import type { RolloutPlan } from './plan.js';
import { initialState, isFinal, type RolloutState } from './state.js';
import { step, type StepMode, type StepResult } from './steps.js';
import type { RolloutStore } from './store.js';
import { formatMs } from './format.js';

/** Options for {@link createController}. */
export interface ControllerOptions {
  plan: RolloutPlan;
  store: RolloutStore;
  actions: StageActions;
  sources: GateSources;
  /** Runs hooks. Default: real shell commands and webhooks. */
  hooks?: HookRunner;
  /** Runs custom checks. Default: real commands and HTTP GETs. */
  checks?: CheckRunner;
  /** Default: the system clock. */
  clock?: Clock;
  /** Default: silent. */
  logger?: Logger;
  /** Lease owner id. Default `<hostname>:<pid>:<random>`. */
  owner?: string;
  /** How often queued commands are looked for while waiting, ms. Default 1000. */
  pollIntervalMs?: number;
}

/** A controller. */
export interface Controller {
  /** Our lease owner id. */
  readonly owner: string;
  /**
   * Takes the lease (ROLLOUT_LEASE_HELD naming the holder when another live controller has
   * it; a dead holder on this host is taken over at once) and creates the rollout if new.
   */
  acquire(): Promise<RolloutState>;
  /** Applies pending commands, then one step. Requires the lease. */
  step(mode?: StepMode): Promise<StepResult>;
  /** Steps until the rollout completes, rolls back or aborts, or `signal` aborts; keeps the lease renewed; releases it at the end. */
  run(signal?: AbortSignal): Promise<RolloutState>;
  /** Applies commands and advances until the rollout has to wait (a hold, a pause, the end). Requires the lease. */
  runUntilIdle(): Promise<RolloutState>;
  /** Gives the lease up. */
  release(): Promise<void>;
  /** The state as last seen. */
  state(): RolloutState | undefined;
}

/** Creates a controller for `options.plan`. */
export function createController(options: ControllerOptions): Controller {
  const clock = options.clock ?? systemClock;
  const owner = options.owner ?? createOwnerId();
  const pollIntervalMs = options.pollIntervalMs ?? 1000;
  const { plan, store } = options;
  const stop = new AbortController();
  const ctx: StepContext = {
    plan,
    store,
    actions: options.actions,
    sources: options.sources,
    hooks: options.hooks ?? createHookRunner(),
    checks: options.checks ?? createCheckRunner(),
    clock,
    logger: options.logger ?? silentLogger,
    owner,
    signal: stop.signal,
  };
  let current: RolloutState | undefined;
  let leaseLost: Error | undefined;

  async function acquire(): Promise<RolloutState> {
    const now = clock.now();
    const existing = await store.init(initialState(plan.migration, plan.fingerprint, now));
    if (existing.planFingerprint !== plan.fingerprint && existing.status !== 'pending') {
      throw fail('ROLLOUT_PLAN_CHANGED', `the stages of ${plan.migration} changed since its rollout began (now at stage ${existing.stageIndex}, ${existing.status})`, {
        hint: 'restore the playbook\'s stage list, or give the migration a new name to start over',
      });
    }
    let got = await store.acquireLease(plan.migration, owner, plan.leaseTtlMs, now);
    if (!got.acquired && isDeadLocalOwner(got.owner)) {
      const dead = got.owner;
      got = await store.acquireLease(plan.migration, owner, plan.leaseTtlMs, now, dead);
      if (got.acquired) await store.appendEvents([{ migration: plan.migration, component: 'controller', actor: 'controller', kind: 'lease.taken-over', reason: `previous holder ${dead} is no longer running`, data: { previous: dead, owner }, atMs: now }]);
    }
    if (!got.acquired) {
      throw fail('ROLLOUT_LEASE_HELD', `rollout ${plan.migration} is driven by ${got.owner} (lease expires in ${formatMs(Math.max(0, got.expiresAtMs - now))})`, {
        hint: 'only one controller drives a migration; use status/pause/promote/... to talk to it, or stop it first',
        details: { holder: got.owner, expiresAtMs: got.expiresAtMs },
      });
    }
    current = (await store.load(plan.migration))!;
    if (current.planFingerprint !== plan.fingerprint) current = await store.save({ ...current, planFingerprint: plan.fingerprint }, [], owner);
    return current;
  }

  async function stepOnce(mode: StepMode = 'drive'): Promise<StepResult> {
    if (leaseLost) throw leaseLost;
    let s = current ?? (await store.load(plan.migration));
    if (!s) throw fail('ROLLOUT_NOT_STARTED', `rollout ${plan.migration} does not exist`);
    for (const cmd of await store.pendingCommands(plan.migration)) {
      const r = await applyCommand(ctx, s, cmd);
      s = r.state;
    }
    const r = await step(ctx, s, mode);
    current = r.state;
    return r;
  }

  async function renewLoop(signal: AbortSignal): Promise<void> {
    const every = Math.max(50, Math.floor(plan.leaseTtlMs / 3));
    while (!signal.aborted) {
      await clock.sleep(every, signal);
      if (signal.aborted) return;
      try {
        if (!(await store.renewLease(plan.migration, owner, plan.leaseTtlMs, clock.now()))) {
          leaseLost = fail('ROLLOUT_LEASE_LOST', `lost the lease of ${plan.migration}: another controller took over`);
          stop.abort();
          return;
        }
      } catch (err) {
        ctx.logger.warn({ err: (err as Error).message }, 'lease renewal failed; retrying');
      }
    }
  }

  return {
    owner,
    acquire,
    step: stepOnce,
    state: () => current,
    release: () => store.releaseLease(plan.migration, owner),
    async runUntilIdle() {
      for (;;) {
        const r = await stepOnce('idle');
        if (!r.progressed) return r.state;
      }
    },
    async run(signal) {
      if (!current) await acquire();
      const renewStop = new AbortController();
      const onAbort = (): void => stop.abort();
      signal?.addEventListener('abort', onAbort, { once: true });
      const renewing = renewLoop(AbortSignal.any([renewStop.signal, stop.signal]));
      try {
        if (current && isFinal(current.status)) return current;
        while (!stop.signal.aborted) {
          let r: StepResult;
          try {
            r = await stepOnce('drive');
          } catch (err) {
            if (err instanceof StepInterrupted) break;
            throw err;
          }
          if (isFinal(r.state.status)) break;
          if (!r.progressed) {
            const wait = r.waitUntilMs !== undefined ? Math.min(pollIntervalMs, Math.max(0, r.waitUntilMs - clock.now())) : pollIntervalMs;
            await clock.sleep(wait, stop.signal);
          }
        }
        if (leaseLost) throw leaseLost;
        ctx.logger.info({ migration: plan.migration, status: current?.status, stage: stageName(ctx, current?.stageIndex ?? 0) }, 'controller stopped');
        return current!;
      } finally {
        signal?.removeEventListener('abort', onAbort);
        renewStop.abort();
        await renewing;
        if (!leaseLost) await store.releaseLease(plan.migration, owner).catch(() => undefined);
      }
    },
  };
}
