import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openControl } from '../../../src/control/control-db.js';
import { listEvents } from '../../../src/control/events.js';
import { emptyHistogram } from '../../../src/control/histogram.js';
import { readLease, readRollout } from '../../../src/control/rollouts.js';
import { insertSnapshots } from '../../../src/control/snapshots.js';
import type { Store } from '../../../src/store/connect.js';
import { playbookDir, runCli, startCli, waitFor, SERVICE_AND_PROXY_YAML } from './cli-harness.js';
import { scratchControl, type Engine, type Scratch } from './scratch.js';

const hook = (point: string) => `{ name: log-${point}, command: 'echo "${point} $SWITCHYARD_STAGE" >> hooks.log' }`;

function playbook(migration: string, extraPre = ''): string {
  return `
version: 1
migration: ${migration}
control: { url: "\${CONTROL_URL}" }
${SERVICE_AND_PROXY_YAML}
  methodClasses: { reads: [/chat.ChatService/History] }
controller: { interval: 200ms, leaseTtl: 60s, failureLimit: 2 }
gates:
  window: 2s
  errorRate: { maxAbsolute: 0.05, minCalls: 50 }
hooks:
  preStage: [${hook('pre')}${extraPre}]
  postStage: [${hook('post')}]
  onComplete: [${hook('complete')}]
stages:
  - kind: dual-write
  - kind: shift-reads
    steps: [10]
    hold: 1s
  - kind: shift-reads
    steps: [50]
    hold: 8s   # long enough that the kill always lands inside it
  - kind: retire
    hold: 0s
`;
}

for (const engine of ['sqlite', 'postgres'] as Engine[]) {
  describe(`switchyard run, killed and run again (${engine} control database)`, () => {
    let scratch: Scratch | undefined;
    let control: Store;
    let traffic: NodeJS.Timeout | undefined;
    beforeAll(async () => {
      scratch = await scratchControl(engine);
      if (scratch) control = await openControl(scratch.url);
    });
    afterAll(async () => {
      clearInterval(traffic);
      if (!scratch) return;
      await control.close();
      await scratch.drop();
    });

    /** Healthy proxy snapshots for `migration`, every 200 ms (the proxy's part, played by the test). */
    function feed(migration: string): void {
      traffic = setInterval(() => {
        const now = Date.now();
        const row = (upstream: 'legacy' | 'next') => ({ migration, proxyId: 'test-proxy', atMs: now, intervalMs: 200, method: '/chat.ChatService/History', methodClass: 'reads', upstream, calls: 40, errors: 0, codes: { OK: 40 }, latency: emptyHistogram(), shadowCompared: 0, shadowMismatched: 0, shadowDropped: 0 });
        void insertSnapshots(control.knex, [row('legacy'), row('next')]).catch(() => undefined);
      }, 200);
    }

    it('resumes mid-stage where it was, without repeating hooks; a second controller is refused while one runs', async () => {
      if (!scratch) return;
      const migration = `kr_${engine}`;
      const dir = playbookDir(playbook(migration));
      const env = { CONTROL_URL: scratch.url };
      feed(migration);
      const first = startCli(['run', '-p', 'playbook.yaml', '--log-level', 'warn'], { cwd: dir, env });
      // Mid-stage: reads-50% has been entered and is holding.
      await waitFor('reads-50% to hold', async () => ((await listEvents(control.knex, { migration })).some((e) => e.kind === 'stage.entered' && e.data['stage'] === 'reads-50%') ? true : undefined));

      const rival = await runCli(['run', '-p', 'playbook.yaml'], { cwd: dir, env });
      expect(rival.code).toBe(2);
      expect(rival.stderr).toMatch(new RegExp(`error: \\[ABORTED\\] ROLLOUT_LEASE_HELD: rollout ${migration} is driven by [^:]+:${first.child.pid}:`));
      expect(rival.stderr).toMatch(/^hint: only one controller drives a migration/m);

      first.child.kill('SIGKILL');
      expect(await first.exited).toBeNull();
      const killedAt = await readRollout(control.knex, migration);
      expect(killedAt).toMatchObject({ status: 'running', stageName: 'reads-50%', phase: 'holding' });
      expect((await readLease(control.knex, migration)).owner).toMatch(new RegExp(`:${first.child.pid}:`)); // the dead holder's lease is still there

      const second = await runCli(['run', '-p', 'playbook.yaml', '--log-level', 'warn', '--json'], { cwd: dir, env });
      expect(second.stderr).toBe('');
      expect(second.code).toBe(0);
      expect(JSON.parse(second.stdout)).toMatchObject({ migration, status: 'completed', stage: 'retire' });

      const log = readFileSync(path.join(dir, 'hooks.log'), 'utf8').trim().split('\n');
      expect(log).toEqual(['pre dual-write', 'post dual-write', 'pre reads-10%', 'post reads-10%', 'pre reads-50%', 'post reads-50%', 'pre retire', 'post retire', 'complete retire']);
      const trail = await listEvents(control.knex, { migration });
      expect(trail.filter((e) => e.kind === 'stage.entered').map((e) => e.data['stage'])).toEqual(['dual-write', 'reads-10%', 'reads-50%', 'retire']);
      expect(trail.find((e) => e.kind === 'lease.taken-over')?.reason).toMatch(new RegExp(`:${first.child.pid}:.* is no longer running`));
      expect(trail.at(-1)?.kind).toBe('rollout.completed');
      // The hold of reads-50% kept its original start: the resumed stage did not start its hold again.
      const held = trail.find((e) => e.kind === 'stage.held' && e.data['stage'] === 'reads-50%')!;
      const entered = trail.find((e) => e.kind === 'stage.entered' && e.data['stage'] === 'reads-50%')!;
      expect(held.atMs - entered.atMs).toBeGreaterThanOrEqual(8000);
      expect(held.atMs - entered.atMs).toBeLessThan(20_000);
      expect((await readLease(control.knex, migration)).owner).toBeNull(); // released at the end
      clearInterval(traffic);
    }, 60_000);

    it('a hook killed mid-run is not run again: the stage is blocked with the reason', async () => {
      if (!scratch) return;
      const migration = `kh_${engine}`;
      const slow = `, { name: slow, command: 'if [ "$SWITCHYARD_STAGE" = "reads-10%" ]; then echo "slow start" >> hooks.log; sleep 3; echo "slow end" >> hooks.log; fi' }`;
      const dir = playbookDir(playbook(migration, slow));
      const env = { CONTROL_URL: scratch.url };
      const first = startCli(['run', '-p', 'playbook.yaml', '--log-level', 'warn'], { cwd: dir, env });
      await waitFor('the slow hook to start', async () => (existsSync(path.join(dir, 'hooks.log')) && readFileSync(path.join(dir, 'hooks.log'), 'utf8').includes('slow start') ? true : undefined));
      first.child.kill('SIGKILL');
      await first.exited;
      const second = startCli(['run', '-p', 'playbook.yaml', '--log-level', 'warn'], { cwd: dir, env });
      const blocked = await waitFor('the stage to be blocked', async () => {
        const r = await readRollout(control.knex, migration);
        return r?.status === 'paused' ? r : undefined;
      });
      second.child.kill('SIGTERM');
      expect(await second.exited).toBe(130);
      expect(blocked.stageName).toBe('reads-10%');
      expect(String((blocked.state as { reason: string }).reason)).toMatch(/pre-stage hook slow failed \(interrupted: the controller stopped while it ran; not run again/);
      await new Promise((r) => setTimeout(r, 3500)); // the orphaned hook finishes on its own
      const log = readFileSync(path.join(dir, 'hooks.log'), 'utf8').trim().split('\n');
      expect(log.filter((l) => l === 'slow start')).toHaveLength(1);
      expect((await readLease(control.knex, migration)).owner).toBeNull();
    }, 60_000);
  });
}
