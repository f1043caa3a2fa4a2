import { createServer, type IncomingMessage, type Server } from 'node:http';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCheckRunner, createHookRunner, type HookContext } from '../../../src/rollout/hooks.js';
import type { HookSpec } from '../../../src/rollout/plan.js';

const ctx: HookContext = { migration: 'chat', point: 'preStage', stage: 'reads-5%', stageIndex: 4, reason: 'stage reads-1% passed', split: { 'class:reads': 500 } };
const cmd = (command: string, timeoutMs = 5000, cwd?: string): HookSpec => ({ name: 'h', kind: 'command', command, timeoutMs, idempotent: false, cwd });

describe('command hooks (real /bin/sh)', () => {
  const hooks = createHookRunner();

  it('passes migration, stage, point and reason in the environment and runs in the playbook folder', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sy-hook-'));
    const r = await hooks.run(cmd('printf "%s|%s|%s|%s|%s|%s" "$SWITCHYARD_MIGRATION" "$SWITCHYARD_STAGE" "$SWITCHYARD_STAGE_INDEX" "$SWITCHYARD_HOOK" "$SWITCHYARD_REASON" "$SWITCHYARD_SPLIT" > env.txt', 5000, dir), ctx);
    expect(r).toMatchObject({ ok: true, detail: 'exit code 0' });
    expect(readFileSync(path.join(dir, 'env.txt'), 'utf8')).toBe('chat|reads-5%|4|preStage|stage reads-1% passed|{"class:reads":500}');
  });

  it('a non-zero exit fails with the last line of its output', async () => {
    const r = await hooks.run(cmd('echo starting; echo "migration lock held" >&2; exit 3'), ctx);
    expect(r).toMatchObject({ ok: false, detail: 'exit code 3: migration lock held' });
  });

  it('a timeout kills the whole process group and fails', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sy-hook-'));
    // A child of the shell that would write a file after 2 s: killed with the group, it never does.
    const started = Date.now();
    const r = await hooks.run(cmd('(sleep 2; touch late.txt) & sleep 10', 300, dir), ctx);
    expect(r).toMatchObject({ ok: false, detail: 'timed out after 300 ms' });
    expect(Date.now() - started).toBeLessThan(5000);
    await new Promise((res) => setTimeout(res, 2500));
    expect(existsSync(path.join(dir, 'late.txt'))).toBe(false);
  });
});

describe('webhooks and HTTP checks (real local server)', () => {
  let server: Server;
  let base = '';
  const received: Array<{ url: string; headers: IncomingMessage['headers']; body: unknown }> = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        received.push({ url: req.url ?? '', headers: req.headers, body: body ? JSON.parse(body) : null });
        if (req.url === '/slow') return void setTimeout(() => res.end('late'), 2000);
        res.statusCode = req.url === '/fail' ? 500 : req.url === '/created' ? 201 : 200;
        res.end('ok');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const hooks = createHookRunner();
  const web = (p: string, timeoutMs = 2000, headers?: Record<string, string>): HookSpec => ({ name: 'w', kind: 'webhook', url: `${base}${p}`, headers, timeoutMs, idempotent: false });

  it('POSTs a JSON body with the migration, stage and reason, and the configured headers', async () => {
    const r = await hooks.run(web('/ok', 2000, { authorization: 'Bearer t0ken' }), ctx);
    expect(r).toMatchObject({ ok: true, detail: expect.stringMatching(/^POST http:\/\/127\.0\.0\.1:\d+\/ok: HTTP 200$/) });
    const got = received.at(-1)!;
    expect(got.headers['content-type']).toBe('application/json');
    expect(got.headers['authorization']).toBe('Bearer t0ken');
    expect(got.body).toMatchObject({ migration: 'chat', hook: 'preStage', stage: 'reads-5%', stageIndex: 4, reason: 'stage reads-1% passed', split: { 'class:reads': 500 } });
    expect(r.detail).not.toContain('t0ken');
  });

  it('a non-2xx status fails; a slow endpoint times out; a refused connection fails', async () => {
    expect(await hooks.run(web('/fail'), ctx)).toMatchObject({ ok: false, detail: expect.stringMatching(/HTTP 500$/) });
    const started = Date.now();
    expect(await hooks.run(web('/slow', 300), ctx)).toMatchObject({ ok: false, detail: expect.stringMatching(/timed out after 300 ms$/) });
    expect(Date.now() - started).toBeLessThan(1500);
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const refused = await hooks.run({ ...web('/x'), url: `http://127.0.0.1:${port}/x` }, ctx);
    expect(refused).toMatchObject({ ok: false, detail: `POST http://127.0.0.1:${port}/x: ECONNREFUSED` });
  });

  it('custom checks: HTTP status against expectStatus, and a command\'s exit code', async () => {
    const checks = createCheckRunner();
    const http = (p: string, expectStatus: number[] = []) => checks.run({ name: 'c', kind: 'http', url: `${base}${p}`, expectStatus, timeoutMs: 1000 });
    expect(await http('/ok')).toMatchObject({ ok: true });
    expect(await http('/created', [200])).toMatchObject({ ok: false, detail: expect.stringMatching(/HTTP 201$/) });
    expect(await http('/fail')).toMatchObject({ ok: false });
    expect(await checks.run({ name: 'c', kind: 'command', command: 'test 1 -eq 1', expectStatus: [], timeoutMs: 1000 })).toEqual({ ok: true, detail: 'exit code 0' });
    expect(await checks.run({ name: 'c', kind: 'command', command: 'sleep 5', expectStatus: [], timeoutMs: 200 })).toEqual({ ok: false, detail: 'timed out after 200 ms' });
  });
});
