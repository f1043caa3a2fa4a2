/**
 * Submitting a manual command: queued in the control database; a running controller
 * applies it within its poll interval. With no live controller, this process takes the
 * lease, applies it and advances until the rollout must wait, then lets go.
 */
import { fail, SwitchyardError } from '../errors.js';
import { systemClock } from './clock.js';
import { createController, type ControllerOptions } from './controller.js';
import { isDeadLocalOwner } from './lease.js';
import type { RolloutState } from './state.js';
import type { NewCommand } from './store.js';

/** Options for {@link submitCommand}. */
export interface SubmitOptions extends Omit<ControllerOptions, 'pollIntervalMs'> {
  command: Omit<NewCommand, 'migration'>;
  /** How long to wait for a running controller to apply it, ms. Default 30000. */
  waitMs?: number;
}

/** What happened to a command. */
export interface SubmitResult {
  id: number;
  status: 'applied' | 'rejected';
  /** One line: what it did, or why it was refused. */
  result: string;
  /** `controller <owner>` when a running controller applied it, `this process` otherwise. */
  appliedBy: string;
  state: RolloutState | undefined;
}

/** Queues a command and sees it applied (or rejected). Throws ROLLOUT_COMMAND_TIMEOUT when a live controller does not apply it in time. */
export async function submitCommand(options: SubmitOptions): Promise<SubmitResult> {
  const clock = options.clock ?? systemClock;
  const { store, plan } = options;
  const id = await store.enqueueCommand({ ...options.command, migration: plan.migration }, clock.now());
  const finished = async (appliedBy: string): Promise<SubmitResult | undefined> => {
    const c = await store.readCommand(id);
    if (!c || c.status === 'pending') return undefined;
    return { id, status: c.status, result: c.result ?? '', appliedBy, state: await store.load(plan.migration) };
  };
  const lease = await store.readLease(plan.migration).catch(() => ({ owner: null, expiresAtMs: null }));
  const live = lease.owner !== null && (lease.expiresAtMs ?? 0) > clock.now() && !isDeadLocalOwner(lease.owner);
  if (!live) {
    const controller = createController({ ...options, pollIntervalMs: 0 });
    try {
      await controller.acquire();
      try {
        await controller.runUntilIdle();
      } finally {
        await controller.release();
      }
      const r = await finished('this process');
      if (r) return r;
    } catch (err) {
      if (!(err instanceof SwitchyardError && err.id === 'ROLLOUT_LEASE_HELD')) throw err;
    }
  }
  const deadline = clock.now() + (options.waitMs ?? 30_000);
  while (clock.now() < deadline) {
    const r = await finished(`controller ${lease.owner ?? '(new holder)'}`);
    if (r) return r;
    await clock.sleep(200);
  }
  throw fail('ROLLOUT_COMMAND_TIMEOUT', `command #${id} (${options.command.kind}) is queued, but controller ${lease.owner ?? ''} has not applied it yet`, {
    hint: 'it will be applied when the controller next polls; check `switchyard status`',
  });
}
