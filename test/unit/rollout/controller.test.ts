import { describe, expect, it } from 'vitest';
import { addTraffic, createRig, failing, healthy, samplePlan, stage, noGates } from './fakes.js';

const MIN = 60_000;

describe('controller state machine (fake clock, memory store)', () => {
  it('walks every stage to completion with passing gates, running hooks in order', async () => {
    const rig = await createRig();
    let s = await rig.settle();
    expect(s?.status).toBe('running');
    expect(s?.stageIndex).toBe(1);
    expect(s?.phase).toBe('holding');
    expect(s?.lastEvaluation?.outcome).toBe('inconclusive'); // no traffic yet
    s = await rig.run(25 * MIN, MIN, healthy(rig));
    expect(s?.status).toBe('completed');
    expect(rig.hooks.calls.map((c) => c.name)).toEqual([
      'pre-dual-write', 'post-dual-write', 'pre-reads-10%', 'post-reads-10%', 'pre-reads-100%', 'post-reads-100%', 'pre-retire', 'post-retire', 'on-complete',
    ]);
    expect(rig.actions.modes).toEqual(['dual-legacy-primary', 'next-only']);
    expect(await rig.store.getSplits('chat')).toEqual({ 'class:reads': 10000, 'class:writes': 10000 });
    const kinds = rig.kinds();
    expect(kinds[0]).toBe('rollout.started');
    expect(kinds.at(-1)).toBe('rollout.completed');
    expect(kinds.filter((k) => k === 'stage.passed')).toHaveLength(4);
    expect(kinds).not.toContain('gate.failed');
    // The stage held its full 10 minutes: it passed at the evaluation that ended the hold.
    const held = rig.store.events.filter((e) => e.kind === 'stage.held' && e.data['stage'] === 'reads-10%');
    expect(held).toHaveLength(1);
    expect(held[0]!.reason).toBe('held 10m with passing gates');
    // Every transition carries an actor, a time and a reason.
    for (const e of rig.store.events) {
      expect(e.actor).toMatch(/^(controller|gate:.+|user:.+)$/);
      expect(e.atMs).toBeGreaterThan(0);
    }
  });

  it('extends the hold while data is inconclusive, then pauses after the timeout', async () => {
    const rig = await createRig();
    // 50 calls per minute: below minCalls (100) in a 1-minute window.
    const thin = (now: number): void => addTraffic(rig.sources, now, 'reads', { calls: 50, errors: 0 }, { calls: 50, errors: 0 });
    let s = await rig.run(15 * MIN, MIN, thin);
    expect(s?.status).toBe('running');
    expect(s?.stageIndex).toBe(1); // hold was 10 min; still holding, never passed
    expect(s?.lastEvaluation?.outcome).toBe('inconclusive');
    expect(s?.lastEvaluation?.gates.find((g) => g.gate === 'errorRate')?.detail).toMatch(/50 calls, 100 needed/);
    s = await rig.run(6 * MIN, MIN, thin); // 10 min hold + 10 min inconclusive timeout
    expect(s?.status).toBe('paused');
    expect(s?.reason).toMatch(/inconclusive/);
    expect(rig.store.events.filter((e) => e.kind === 'stage.passed').map((e) => e.data['stage'])).toEqual(['dual-write']);
    expect(await rig.store.getSplits('chat')).toEqual({ 'class:reads': 1000, 'class:writes': 0 });
  });

  it('rolls back after failureLimit consecutive failures: split and mode of the last good stage, rollback hooks, reason recorded', async () => {
    const rig = await createRig();
    const s = await rig.run(3 * MIN, MIN, failing(rig));
    expect(s?.status).toBe('rolled-back');
    expect(s?.stageIndex).toBe(1);
    expect(s?.lastGoodStageIndex).toBe(0);
    expect(await rig.store.getSplits('chat')).toEqual({ 'class:reads': 0, 'class:writes': 0 });
    expect(rig.actions.modes.at(-1)).toBe('dual-legacy-primary');
    const rb = rig.hooks.calls.find((c) => c.point === 'onRollback');
    expect(rb?.reason).toMatch(/errorRate failed 3 time\(s\) in a row: next error rate 20\.00%/);
    const failed = rig.store.events.filter((e) => e.kind === 'gate.failed');
    expect(failed.map((e) => e.actor)).toContain('gate:errorRate');
    expect(failed.map((e) => e.actor)).toContain('gate:errorRate.relative');
    const done = rig.store.events.find((e) => e.kind === 'rollout.rolled-back')!;
    expect(done.actor).toBe('gate:errorRate');
    expect(done.data['toStage']).toBe('dual-write');
    expect(rig.hooks.calls.map((c) => c.name)).not.toContain('post-reads-10%');
  });

  it('counts only consecutive failures: a pass resets the streak, an inconclusive result does not', async () => {
    const rig = await createRig();
    await rig.settle();
    const script = ['fail', 'fail', 'pass', 'fail', 'fail', 'thin', 'fail'];
    const seen: number[] = [];
    for (const step of script) {
      rig.clock.advance(MIN);
      const now = rig.clock.now();
      if (step === 'fail') failing(rig)(now);
      else if (step === 'pass') healthy(rig)(now);
      else addTraffic(rig.sources, now, 'reads', { calls: 10, errors: 0 }, { calls: 10, errors: 0 });
      const s = await rig.settle();
      seen.push(s?.status === 'rolled-back' ? -1 : (s?.consecutiveFailures ?? 0));
    }
    // fail, fail → 2; pass → 0; fail, fail → 2; inconclusive → still 2; fail → 3 = limit → rollback.
    expect(seen).toEqual([1, 2, 0, 1, 2, 2, -1]);
  });

  it('a failing pre-stage hook blocks the stage; resume retries it', async () => {
    const rig = await createRig();
    rig.hooks.fail.add('pre-reads-10%');
    let s = await rig.settle();
    expect(s?.status).toBe('paused');
    expect(s?.stageIndex).toBe(1);
    expect(s?.reason).toMatch(/ROLLOUT_HOOK_FAILED: pre-stage hook pre-reads-10% failed/);
    expect(await rig.store.getSplits('chat')).toEqual({ 'class:reads': 0, 'class:writes': 0 }); // never shifted
    expect(rig.kinds()).toContain('stage.blocked');
    rig.hooks.fail.clear();
    await rig.command('resume');
    s = await rig.settle();
    expect(s?.status).toBe('running');
    expect(s?.phase).toBe('holding');
    expect(await rig.store.getSplits('chat')).toEqual({ 'class:reads': 1000, 'class:writes': 0 });
    expect(rig.hooks.calls.filter((c) => c.name === 'pre-reads-10%')).toHaveLength(2);
  });

  it('a failing post-stage hook is recorded but does not block', async () => {
    const rig = await createRig();
    rig.hooks.fail.add('post-dual-write');
    const s = await rig.settle();
    expect(s?.stageIndex).toBe(1);
    expect(rig.store.events.find((e) => e.kind === 'hook.failed')?.reason).toMatch(/postStage hook post-dual-write: exit code 1/);
  });

  it('runs a stage reconcile once the hold has elapsed and gates on its mismatches', async () => {
    const plan = samplePlan();
    plan.stages[1] = { ...plan.stages[1]!, gates: { ...noGates(), reconcile: { maxMismatches: 0 } }, reconcile: { tables: ['messages'], repair: false }, holdMs: 5 * MIN };
    const rig = await createRig(plan);
    rig.actions.onReconcile = () => rig.sources.runs.push({ id: 1, startedAtMs: rig.clock.now(), finishedAtMs: rig.clock.now(), status: 'inconsistent', missingInNext: 2, extraInNext: 0, changed: 0, error: null });
    let s = await rig.run(4 * MIN, MIN);
    expect(rig.actions.log).toEqual([]); // hold not over yet
    expect(s?.lastEvaluation?.gates[0]?.outcome).toBe('inconclusive');
    s = await rig.run(3 * MIN, MIN);
    expect(rig.actions.log).toEqual(['reconcile:messages']); // once, not every evaluation
    expect(s?.lastEvaluation?.gates[0]).toMatchObject({ gate: 'reconcile', outcome: 'fail', value: 2 });
    expect(s?.status).toBe('rolled-back');
  });

  it('a reconcile that errors blocks the stage; resume runs it again', async () => {
    const plan = samplePlan();
    plan.stages[1] = { ...plan.stages[1]!, gates: { ...noGates(), reconcile: { maxMismatches: 0 } }, reconcile: { tables: ['messages'], repair: false }, holdMs: 0 };
    const rig = await createRig(plan);
    rig.actions.result.reconcile = { ok: false, summary: 'next unreachable' };
    let s = await rig.settle();
    expect(s).toMatchObject({ status: 'paused', stageIndex: 1, reason: 'reconcile failed: next unreachable' });
    rig.actions.result.reconcile = { ok: true, summary: 'consistent' };
    rig.actions.onReconcile = () => rig.sources.runs.push({ id: 1, startedAtMs: rig.clock.now(), finishedAtMs: rig.clock.now(), status: 'consistent', missingInNext: 0, extraInNext: 0, changed: 0, error: null });
    await rig.command('resume');
    s = await rig.settle();
    expect(rig.actions.log).toEqual(['reconcile:messages', 'reconcile:messages']);
    expect(s?.stageIndex).toBe(2);
  });

  it('custom checks gate the stage by name', async () => {
    const plan = samplePlan();
    plan.stages[1] = { ...plan.stages[1]!, gates: { ...noGates(), custom: [{ name: 'smoke', kind: 'command', command: 'x', expectStatus: [], timeoutMs: 1000 }] } };
    const rig = await createRig(plan);
    rig.checks.ok.set('smoke', false);
    const s = await rig.run(3 * MIN, MIN);
    expect(s?.status).toBe('rolled-back');
    expect(rig.store.events.filter((e) => e.kind === 'gate.failed').every((e) => e.actor === 'gate:smoke')).toBe(true);
  });

  it('a stage action failure blocks the stage without moving traffic', async () => {
    const plan = samplePlan();
    plan.stages.splice(1, 0, stage(1, 'backfill', { kind: 'backfill', dualWrite: 'dual-legacy-primary', actions: [{ t: 'backfill', tables: ['messages'] }] }));
    plan.stages.forEach((st, i) => (st.index = i));
    const rig = await createRig(plan);
    rig.actions.result.backfill = { ok: false, summary: 'STORE_VALUE_NOT_REPRESENTABLE: messages key 7 column x' };
    const s = await rig.settle();
    expect(s?.status).toBe('paused');
    expect(s?.reason).toMatch(/backfill failed: STORE_VALUE_NOT_REPRESENTABLE/);
  });
});
