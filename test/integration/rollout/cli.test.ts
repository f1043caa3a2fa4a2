import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempSqliteUrl } from '../../helpers/databases.js';
import { playbookDir, runCli, startCli, waitFor, SERVICE_AND_PROXY_YAML } from './cli-harness.js';

const PLAYBOOK = `
version: 1
migration: clitest
control: { url: "\${CONTROL_URL}" }
${SERVICE_AND_PROXY_YAML}
  methodClasses: { reads: [/chat.ChatService/History] }
controller: { interval: 200ms, leaseTtl: 10s }
stages:
  - kind: dual-write
  - kind: shift-reads
    steps: [10, 100]
    hold: 1h
  - kind: retire
`;

const USER = { USER: 'tester' };

describe('switchyard CLI: rollout commands', () => {
  it('manual commands without a running controller are applied by the command itself, in the audit trail as user:<name>', async () => {
    const dir = playbookDir(PLAYBOOK);
    const env = { CONTROL_URL: tempSqliteUrl('cli'), ...USER };
    const shift = await runCli(['shift', '5', '--class', 'reads', '--reason', 'canary by hand', '--json', '--log-level', 'warn'], { cwd: dir, env });
    expect(shift.stderr).toBe('');
    expect(JSON.parse(shift.stdout)).toMatchObject({ command: 'shift', status: 'applied', appliedBy: 'this process', rolloutStatus: 'pending', result: 'split 5% on class:reads' });
    const status = await runCli(['status', '--json'], { cwd: dir, env });
    const report = JSON.parse(status.stdout);
    expect(report).toMatchObject({ migration: 'clitest', status: 'pending', split: { 'class:reads': 500 }, lease: null });
    expect(report.events.find((e: { kind: string }) => e.kind === 'split.changed')).toMatchObject({ actor: 'user:tester', reason: 'manual shift to 5% by user:tester: canary by hand' });
    const abort = await runCli(['abort'], { cwd: dir, env });
    expect(abort.code).toBe(0);
    expect(abort.stdout).toMatch(/^abort: rolling back to the initial state \(applied by this process; rollout aborted at dual-write\)/);
    const resume = await runCli(['resume', '--log-level', 'warn'], { cwd: dir, env });
    expect(resume.code).toBe(2);
    expect(resume.stderr).toBe('error: [FAILED_PRECONDITION] ROLLOUT_COMMAND_REJECTED: cannot resume: the rollout is aborted (resume needs paused or rolled-back)\nhint: see `switchyard status` for the rollout\'s state\n');
    const text = await runCli(['status'], { cwd: dir, env });
    expect(text.stdout).toMatch(/^status {5}aborted — aborted by user:tester/m);
    expect(text.stdout).toMatch(/^split {6}reads 0%, writes 0%/m);
  }, 60_000);

  it('a running controller applies pause, resume and promote --full sent from other processes', async () => {
    const dir = playbookDir(PLAYBOOK);
    const env = { CONTROL_URL: tempSqliteUrl('cli'), ...USER };
    const run = startCli(['run', '-p', 'playbook.yaml', '--log-level', 'warn'], { cwd: dir, env });
    await waitFor('reads-10% to hold', async () => {
      const s = await runCli(['status', '--json'], { cwd: dir, env });
      const r = s.code === 0 ? JSON.parse(s.stdout) : undefined;
      return r?.stage?.name === 'reads-10%' && r.phase === 'holding' ? r : undefined;
    }, 60_000); // each status call starts a CLI process: slow while the whole suite runs
    const pause = JSON.parse((await runCli(['pause', '--reason', 'lunch', '--json'], { cwd: dir, env })).stdout);
    expect(pause).toMatchObject({ status: 'applied', rolloutStatus: 'paused', appliedBy: expect.stringMatching(new RegExp(`^controller .+:${run.child.pid}:`)) });
    const status = await runCli(['status'], { cwd: dir, env });
    expect(status.stdout).toMatch(/^status {5}paused \/ holding — paused by user:tester: lunch/m);
    expect(status.stdout).toMatch(/^hold {7}\S+ of 1h, /m);
    expect((await runCli(['resume'], { cwd: dir, env })).code).toBe(0);
    const promote = await runCli(['promote', '--full', '--json'], { cwd: dir, env });
    expect(JSON.parse(promote.stdout)).toMatchObject({ status: 'applied', result: 'entering retire' });
    expect(await run.exited).toBe(0);
    expect(run.stdout()).toBe('rollout clitest: completed\n');
    const trail = JSON.parse((await runCli(['status', '--json', '--events', '100'], { cwd: dir, env })).stdout).events as Array<{ kind: string; actor: string }>;
    expect(trail.filter((e) => e.kind === 'command.applied').map((e) => e.actor)).toEqual(['user:tester', 'user:tester', 'user:tester']);
    expect(trail.find((e) => e.kind === 'stage.promoted')).toMatchObject({ actor: 'user:tester' });

    const md = await runCli(['report', '--audit', '-p', 'playbook.yaml'], { cwd: dir, env });
    expect(md.stderr).toBe('');
    expect(md.stdout).toMatch(/^# Rollout audit trail: clitest\n/);
    expect(md.stdout).toMatch(/^- Status: \*\*completed\*\* — every stage held$/m);
    expect(md.stdout).toMatch(/^\| 2 \| reads-10% \| .+ \| promoted \| .+ \| `?user:tester`? \|/m);
    expect(md.stdout).toMatch(/\*\*rollout\.paused\*\* by `user:tester` at reads-10%: paused by user:tester: lunch/);
    const html = await runCli(['report', '--audit', '-p', 'playbook.yaml', '--format', 'html', '--out', 'audit.html'], { cwd: dir, env });
    expect(html.stdout).toBe('wrote audit.html\n');
    const page = readFileSync(path.join(dir, 'audit.html'), 'utf8');
    expect(page).toMatch(/^<!doctype html>/);
    expect(page).not.toMatch(/<(script|link)\b/);
    expect(page).toContain('<tr class="user"><td>');
  }, 120_000);

  it('bad input: one error line plus a hint, documented exit codes', async () => {
    const dir = playbookDir(PLAYBOOK);
    const env = { CONTROL_URL: tempSqliteUrl('cli') };
    const bad = await runCli(['shift', 'lots'], { cwd: dir, env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('error: [INVALID_ARGUMENT] INVALID_ARGUMENT: shift: "lots" is not a number\nhint: give a percentage from 0 to 100, e.g. `switchyard shift 5`\n');
    const range = await runCli(['shift', '120'], { cwd: dir, env });
    expect(range.stderr).toMatch(/^error: \[INVALID_ARGUMENT\] INVALID_ARGUMENT: split 120 is outside 0–100 %/);
    const usage = await runCli(['pause', '--frobnicate'], { cwd: dir, env });
    expect(usage.code).toBe(64);
    const missing = await runCli(['status'], { cwd: dir, env: {} });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^error: \[INVALID_ARGUMENT\] PLAYBOOK_MISSING_ENV: playbook\.yaml: control\.url \(line 4\): environment variable CONTROL_URL is not set\nhint: export/);
  }, 60_000);

  it('init writes a playbook that plan accepts; schema prints JSON Schema', async () => {
    const dir = playbookDir('');
    const init = await runCli(['init', '--proto', 'chat.proto', '--out', 'new.yaml', '--json'], { cwd: dir });
    expect(JSON.parse(init.stdout)).toMatchObject({ file: 'new.yaml', migration: 'chat', methods: expect.arrayContaining(['/chat.ChatService/History']) });
    expect(readFileSync(path.join(dir, 'new.yaml'), 'utf8')).toMatch(/reads:\n\s+- \/chat\.ChatService\/History/);
    const again = await runCli(['init', '--out', 'new.yaml'], { cwd: dir });
    expect(again.stderr).toMatch(/new\.yaml already exists\nhint: pass --force/);
    const plan = await runCli(['plan', '-p', 'new.yaml', '--offline', '--json', '--control', tempSqliteUrl('plan')], { cwd: dir, env: { LEGACY_DATABASE_URL: 'sqlite://l.db', NEXT_DATABASE_URL: 'sqlite://n.db' } });
    expect(plan.stderr).toBe('');
    const p = JSON.parse(plan.stdout);
    expect(p).toMatchObject({ valid: true, migration: 'chat', ok: true });
    expect(p.plan.stages.map((s: { name: string }) => s.name)).toEqual(['prepare', 'dual-write', 'reads-1%', 'reads-5%', 'reads-25%', 'reads-50%', 'reads-100%', 'writes-5%', 'writes-50%', 'writes-100%', 'retire']);
    const schema = await runCli(['schema'], { cwd: dir });
    expect(JSON.parse(schema.stdout)).toMatchObject({ $schema: 'https://json-schema.org/draft/2020-12/schema', title: 'switchyard playbook' });
  }, 60_000);
});
