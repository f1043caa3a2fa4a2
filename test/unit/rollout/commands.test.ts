import { describe, expect, it } from 'vitest';
import { createRig, healthy } from './fakes.js';

const MIN = 60_000;

describe('manual control commands', () => {
  it('pause stops progress; resume restarts the hold', async () => {
    const rig = await createRig();
    await rig.run(5 * MIN, MIN, healthy(rig));
    await rig.command('pause');
    let s = await rig.settle();
    expect(s?.status).toBe('paused');
    s = await rig.run(20 * MIN, MIN, healthy(rig));
    expect(s?.status).toBe('paused');
    expect(s?.stageIndex).toBe(1);
    await rig.command('resume');
    s = await rig.run(9 * MIN, MIN, healthy(rig));
    expect(s?.stageIndex).toBe(1); // the 10-minute hold restarted at resume
    s = await rig.run(MIN, MIN, healthy(rig));
    expect(s?.stageIndex).toBe(2);
    const paused = rig.store.events.find((e) => e.kind === 'rollout.paused')!;
    expect(paused.actor).toBe('user:alice');
    expect(rig.store.events.find((e) => e.kind === 'command.applied')?.actor).toBe('user:alice');
  });

  it('promote skips the rest of the hold; promote --full jumps to the last stage', async () => {
    const rig = await createRig();
    await rig.settle();
    await rig.command('promote');
    let s = await rig.settle();
    expect(s?.stageIndex).toBe(2);
    expect(rig.store.events.find((e) => e.kind === 'stage.promoted')?.actor).toBe('user:alice');
    expect(rig.hooks.calls.map((c) => c.name)).toContain('post-reads-10%'); // leaving still runs post hooks
    await rig.command('promote', { full: true }, 'user:bob');
    s = await rig.settle();
    expect(s?.status).toBe('completed');
    expect(await rig.store.getSplits('chat')).toEqual({ 'class:reads': 10000, 'class:writes': 10000 });
    expect(rig.store.events.filter((e) => e.kind === 'stage.promoted').map((e) => e.actor)).toEqual(['user:alice', 'user:bob']);
  });

  it('abort rolls everything back to the initial state and stops', async () => {
    const rig = await createRig();
    await rig.run(11 * MIN, MIN, healthy(rig));
    expect(await rig.store.getSplits('chat')).toEqual({ 'class:reads': 10000, 'class:writes': 0 });
    await rig.command('abort', {}, 'user:carol');
    const s = await rig.settle();
    expect(s?.status).toBe('aborted');
    expect(await rig.store.getSplits('chat')).toEqual({ 'class:reads': 0, 'class:writes': 0 });
    expect(rig.actions.modes.at(-1)).toBe('legacy-only');
    expect(rig.hooks.calls.at(-1)).toMatchObject({ point: 'onRollback', reason: 'aborted by user:carol' });
    const aborted = rig.store.events.find((e) => e.kind === 'rollout.aborted')!;
    expect(aborted.actor).toBe('user:carol');
    await rig.command('resume');
    await rig.settle();
    expect(rig.store.events.at(-1)).toMatchObject({ kind: 'command.rejected', reason: 'cannot resume: the rollout is aborted (resume needs paused or rolled-back)' });
  });

  it('rollback returns to the last stage that held; resume retries the failed stage', async () => {
    const rig = await createRig();
    await rig.run(11 * MIN, MIN, healthy(rig)); // reads-10% held; now in reads-100%
    await rig.command('rollback');
    let s = await rig.settle();
    expect(s?.status).toBe('rolled-back');
    expect(await rig.store.getSplits('chat')).toEqual({ 'class:reads': 1000, 'class:writes': 0 });
    await rig.command('resume');
    s = await rig.settle();
    expect(s?.status).toBe('running');
    expect(s?.stageIndex).toBe(2);
    expect(await rig.store.getSplits('chat')).toEqual({ 'class:reads': 10000, 'class:writes': 0 });
  });

  it('shift sets the split by hand and pauses; resume restores the stage split', async () => {
    const rig = await createRig();
    await rig.settle();
    await rig.command('shift', { bp: 250 });
    let s = await rig.settle();
    expect(s?.status).toBe('paused');
    expect(await rig.store.getSplits('chat')).toEqual({ 'class:reads': 250, 'class:writes': 250 });
    expect(rig.store.events.filter((e) => e.kind === 'split.changed').at(-1)?.actor).toBe('user:alice');
    await rig.command('shift', { bp: 0, targets: ['class:writes'] });
    await rig.settle();
    expect(await rig.store.getSplits('chat')).toEqual({ 'class:reads': 250, 'class:writes': 0 });
    await rig.command('resume');
    s = await rig.settle();
    expect(s?.status).toBe('running');
    expect(await rig.store.getSplits('chat')).toEqual({ 'class:reads': 1000, 'class:writes': 0 });
  });

  it('rejects commands that do not fit the state, and applies each command once', async () => {
    const rig = await createRig();
    await rig.settle();
    await rig.command('resume');
    await rig.command('pause');
    await rig.command('pause');
    const s = await rig.settle();
    expect(s?.status).toBe('paused');
    const verdicts = rig.store.events.filter((e) => e.kind.startsWith('command.')).map((e) => `${e.kind}:${String(e.data['command'])}`);
    expect(verdicts).toEqual(['command.rejected:resume', 'command.applied:pause', 'command.rejected:pause']);
    expect(await rig.store.pendingCommands('chat')).toEqual([]);
    expect((await rig.store.readCommand(1))?.status).toBe('rejected');
    expect((await rig.store.readCommand(2))?.status).toBe('applied');
  });
});
