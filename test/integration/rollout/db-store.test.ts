import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openControl } from '../../../src/control/control-db.js';
import { getDualWriteModes, setDualWriteMode } from '../../../src/control/dual-write-modes.js';
import { listEvents } from '../../../src/control/events.js';
import { getRoutes } from '../../../src/control/routes.js';
import { createFakeClock } from '../../../src/rollout/clock.js';
import { createController } from '../../../src/rollout/controller.js';
import { createDbGateSources, createDbRolloutStore } from '../../../src/rollout/db-store.js';
import { initialState } from '../../../src/rollout/state.js';
import type { Store } from '../../../src/store/connect.js';
import { addTraffic, fakeActions, fakeChecks, fakeHooks, fakeSources, samplePlan } from '../../unit/rollout/fakes.js';
import { scratchControl, type Engine, type Scratch } from './scratch.js';

const MIN = 60_000;

for (const engine of ['sqlite', 'postgres', 'mysql'] as Engine[]) {
  describe(`rollout persistence on ${engine}`, () => {
    let scratch: Scratch | undefined;
    let control: Store;
    beforeAll(async () => {
      scratch = await scratchControl(engine);
      if (scratch) control = await openControl(scratch.url);
    });
    afterAll(async () => {
      if (!scratch) return;
      await control.close();
      await scratch.drop();
    });

    it('saves state with its events atomically, guarded by revision and lease', async () => {
      if (!scratch) return;
      const store = createDbRolloutStore(control.knex, { stageName: () => 'first' });
      const s0 = await store.init(initialState('m1', 'fp', 1000));
      expect(s0).toMatchObject({ status: 'pending', revision: 0 });
      expect(await store.init(initialState('m1', 'other', 2000))).toMatchObject({ planFingerprint: 'fp' }); // kept
      await expect(store.save({ ...s0, status: 'running' }, [], 'me')).rejects.toThrow(/ROLLOUT_LEASE_LOST/); // no lease yet
      expect(await store.acquireLease('m1', 'me', 30_000, 1000)).toEqual({ acquired: true });
      expect(await store.acquireLease('m1', 'you', 30_000, 2000)).toEqual({ acquired: false, owner: 'me', expiresAtMs: 31_000 });
      const s1 = await store.save({ ...s0, status: 'running', updatedAtMs: 5000 }, [{ component: 'controller', actor: 'controller', kind: 'rollout.started', reason: 'go' }], 'me');
      expect(s1.revision).toBe(1);
      await expect(store.save({ ...s0, status: 'paused' }, [{ component: 'controller', actor: 'controller', kind: 'x' }], 'me')).rejects.toThrow(/revision/); // stale revision
      expect((await store.load('m1'))?.status).toBe('running');
      const events = await listEvents(control.knex, { migration: 'm1' });
      expect(events.map((e) => e.kind)).toEqual(['rollout.started']); // the failed save appended nothing
      expect(await store.renewLease('m1', 'you', 30_000, 3000)).toBe(false);
      expect(await store.acquireLease('m1', 'you', 30_000, 40_000)).toEqual({ acquired: true }); // expired
      expect(await store.acquireLease('m1', 'third', 30_000, 41_000, 'you')).toEqual({ acquired: true }); // dead holder taken over
      await store.releaseLease('m1', 'third');
      expect(await store.readLease('m1')).toEqual({ owner: null, expiresAtMs: null });
    });

    it('journals ops and queues commands', async () => {
      if (!scratch) return;
      const store = createDbRolloutStore(control.knex);
      await store.beginOp('m2', '1:preStage:0', 'preStage hook a', 10);
      expect(await store.readOp('m2', '1:preStage:0')).toMatchObject({ status: 'started', finishedAtMs: null });
      await store.finishOp('m2', '1:preStage:0', true, { detail: 'exit code 0' }, 20);
      expect(await store.readOp('m2', '1:preStage:0')).toMatchObject({ status: 'succeeded', result: { detail: 'exit code 0' } });
      await expect(store.beginOp('m2', '1:preStage:0', 'again', 30)).rejects.toThrow();
      const a = await store.enqueueCommand({ migration: 'm2', kind: 'pause', args: {}, actor: 'user:a', reason: 'lunch' }, 1);
      const b = await store.enqueueCommand({ migration: 'm2', kind: 'shift', args: { bp: 250 }, actor: 'user:b', reason: '' }, 2);
      expect(b).toBeGreaterThan(a);
      expect((await store.pendingCommands('m2')).map((c) => [c.kind, c.args])).toEqual([['pause', {}], ['shift', { bp: 250 }]]);
      await store.finishCommand(a, 'applied', 'paused', 3);
      expect((await store.pendingCommands('m2')).map((c) => c.id)).toEqual([b]);
      expect(await store.readCommand(a)).toMatchObject({ status: 'applied', result: 'paused', reason: 'lunch' });
    });

    it('sets only changed splits, and records dual-write mode changes once', async () => {
      if (!scratch) return;
      const store = createDbRolloutStore(control.knex);
      expect(await store.setSplits('m3', { 'class:reads': 100, 'class:writes': 0 }, 'controller', 'stage a', 1)).toBe(true);
      expect(await store.setSplits('m3', { 'class:reads': 100, 'class:writes': 0 }, 'controller', 'stage a', 2)).toBe(false);
      expect(await store.getSplits('m3')).toEqual({ 'class:reads': 100, 'class:writes': 0 });
      expect((await getRoutes(control.knex, 'm3')).every((r) => r.actor === 'controller')).toBe(true);
      expect(await setDualWriteMode(control.knex, { migration: 'm3', mode: 'dual-legacy-primary', actor: 'controller', reason: 'r' })).toBe(true);
      expect(await setDualWriteMode(control.knex, { migration: 'm3', mode: 'dual-legacy-primary', actor: 'controller', reason: 'r' })).toBe(false);
      expect(await store.getDualWriteMode('m3')).toBe('dual-legacy-primary');
      expect((await getDualWriteModes(control.knex, 'm3'))[0]).toMatchObject({ table: '*', version: 1 });
      const kinds = (await listEvents(control.knex, { migration: 'm3' })).map((e) => e.kind);
      expect(kinds).toEqual(['split.changed', 'split.changed', 'dualwrite.changed']);
    });

    it('drives a rollout on the real control database: a failing gate rolls back, with the audit trail', async () => {
      if (!scratch) return;
      const clock = createFakeClock();
      const store = createDbRolloutStore(control.knex);
      const plan = samplePlan({ migration: `chat_${engine}` });
      const sources = fakeSources();
      const hooks = fakeHooks();
      const c = createController({ plan, store, actions: fakeActions(), sources, hooks, checks: fakeChecks(), clock, owner: 'o1' });
      await c.acquire();
      const settle = async (): Promise<void> => {
        for (let i = 0; i < 50; i++) if (!(await c.step()).progressed) return;
      };
      await settle();
      for (let i = 0; i < 3; i++) {
        clock.advance(MIN);
        addTraffic(sources, clock.now(), 'reads', { calls: 300, errors: 60 }, { calls: 300, errors: 1 });
        await settle();
      }
      expect(c.state()?.status).toBe('rolled-back');
      expect(await store.getSplits(plan.migration)).toEqual({ 'class:reads': 0, 'class:writes': 0 });
      const trail = await listEvents(control.knex, { migration: plan.migration });
      expect(trail.filter((e) => e.kind === 'gate.failed')).toHaveLength(6); // two error-rate gates × three evaluations
      const last = trail.at(-1)!;
      expect(last).toMatchObject({ kind: 'rollout.rolled-back', actor: 'gate:errorRate', component: 'controller' });
      expect(last.reason).toMatch(/errorRate failed 3 time\(s\) in a row/);
      expect(trail.map((e) => e.id)).toEqual([...trail.map((e) => e.id)].sort((a, b) => a - b));
      expect(hooks.calls.map((h) => h.name)).toEqual(['pre-dual-write', 'post-dual-write', 'pre-reads-10%', 'on-rollback']);
      // The real gate sources read the same tables the proxy and reconciler write.
      const real = createDbGateSources(control.knex);
      expect(await real.latestReconcileRun(plan.migration, 0)).toBeUndefined();
      expect((await real.sumSnapshots({ migration: plan.migration, sinceMs: 0 })).next.calls).toBe(0);
    });
  });
}
