import { describe, expect, it } from 'vitest';
import { createFakeClock } from '../../../src/rollout/clock.js';
import { createController } from '../../../src/rollout/controller.js';
import { createMemoryRolloutStore } from '../../../src/rollout/memory-store.js';
import { createRig, fakeActions, fakeChecks, fakeHooks, fakeSources, samplePlan } from './fakes.js';

describe('journal: hooks run once per transition', () => {
  it('a hook that finished is not run again when the state save after it was lost', async () => {
    const store = createMemoryRolloutStore();
    const clock = createFakeClock();
    const rig = await createRig(samplePlan(), store, clock);
    // Lose the save that follows the pre-stage hook of stage 0 (as if the process died there).
    const realSave = store.save.bind(store);
    let failNext = false;
    store.save = async (s, e, o) => {
      if (failNext) {
        failNext = false;
        throw new Error('killed');
      }
      return realSave(s, e, o);
    };
    await rig.controller.step(); // pending → entering stage 0
    failNext = true;
    await expect(rig.controller.step()).rejects.toThrow('killed');
    expect(rig.hooks.calls.map((c) => c.name)).toEqual(['pre-dual-write']);
    // A new controller (after the lease moved to it) replays the stage from the journal.
    await store.releaseLease('chat', 'test-owner');
    const hooks = fakeHooks();
    const second = createController({ plan: samplePlan(), store, actions: fakeActions(), sources: fakeSources(), hooks, checks: fakeChecks(), clock, owner: 'second' });
    await second.acquire();
    for (let i = 0; i < 10; i++) if (!(await second.step()).progressed) break;
    expect(hooks.calls.map((c) => c.name)).toEqual(['post-dual-write', 'pre-reads-10%']); // pre-dual-write not repeated
    expect(second.state()?.stageIndex).toBe(1);
  });

  it('a hook interrupted mid-run is reported failed (not re-run) unless idempotent', async () => {
    for (const idempotent of [false, true]) {
      const plan = samplePlan();
      plan.stages[0]!.preStage[0]!.idempotent = idempotent;
      const store = createMemoryRolloutStore();
      const rig = await createRig(plan, store);
      await rig.controller.step(); // → entering stage 0 with seq 1
      await store.beginOp('chat', '1:preStage:0', 'preStage hook pre-dual-write', rig.clock.now()); // intent, no completion
      const s = await rig.settle();
      if (idempotent) {
        expect(rig.hooks.calls[0]?.name).toBe('pre-dual-write');
        expect(s?.stageIndex).toBe(1);
      } else {
        expect(rig.hooks.calls).toEqual([]);
        expect(s?.status).toBe('paused');
        expect(s?.reason).toMatch(/interrupted: the controller stopped while it ran; not run again/);
      }
    }
  });
});

describe('lease', () => {
  it('one controller at a time; the holder is named; an expired lease can be taken and the old holder stops', async () => {
    const store = createMemoryRolloutStore();
    const clock = createFakeClock();
    const rig = await createRig(samplePlan(), store, clock);
    await rig.controller.step();
    const other = createController({ plan: samplePlan(), store, actions: fakeActions(), sources: fakeSources(), hooks: fakeHooks(), checks: fakeChecks(), clock, owner: 'other-host:42:abc' });
    await expect(other.acquire()).rejects.toThrow(/ROLLOUT_LEASE_HELD: rollout chat is driven by test-owner \(lease expires in 30s\)/);
    clock.advance(31_000);
    await other.acquire();
    await expect(rig.controller.step()).rejects.toThrow(/ROLLOUT_LEASE_LOST/);
  });

  it('refuses to resume a rollout whose stages changed', async () => {
    const store = createMemoryRolloutStore();
    const rig = await createRig(samplePlan(), store);
    await rig.settle();
    await rig.controller.release();
    const changed = createController({ plan: samplePlan({ fingerprint: 'fp-2' }), store, actions: fakeActions(), sources: fakeSources(), hooks: fakeHooks(), checks: fakeChecks(), clock: rig.clock, owner: 'x' });
    await expect(changed.acquire()).rejects.toThrow(/ROLLOUT_PLAN_CHANGED/);
  });
});

describe('graceful stop', () => {
  it('a stage action cut short by the stop is not recorded as failed; the next run resumes it', async () => {
    const plan = samplePlan();
    plan.stages[0] = { ...plan.stages[0]!, actions: [{ t: 'backfill', tables: ['messages'] }] };
    const store = createMemoryRolloutStore();
    const clock = createFakeClock();
    const actions = fakeActions();
    let started!: () => void;
    const running = new Promise<void>((r) => (started = r));
    actions.backfill = (_spec, ctx) =>
      new Promise((resolve) => {
        started();
        ctx.signal.addEventListener('abort', () => resolve({ ok: false, summary: 'stopped after 500 rows' }), { once: true });
      });
    const first = createController({ plan, store, actions, sources: fakeSources(), hooks: fakeHooks(), checks: fakeChecks(), clock, owner: 'a' });
    const stop = new AbortController();
    const done = first.run(stop.signal);
    await running;
    stop.abort();
    const s = await done;
    expect(s).toMatchObject({ status: 'running', phase: 'entering', stageIndex: 0 });
    expect(store.events.map((e) => e.kind)).not.toContain('stage.blocked');
    expect(store.events.map((e) => e.kind)).not.toContain('action.failed');
    expect([...store.ops.values()].find((o) => o.key.endsWith(':action:0'))?.status).toBe('started');
    expect((await store.readLease('chat')).owner).toBeNull();

    const again = fakeActions();
    const second = createController({ plan, store, actions: again, sources: fakeSources(), hooks: fakeHooks(), checks: fakeChecks(), clock, owner: 'b' });
    await second.acquire();
    for (let i = 0; i < 10; i++) if (!(await second.step()).progressed) break;
    expect(again.log).toEqual(['backfill:messages']);
    expect(second.state()?.stageIndex).toBe(1);
  });
});
