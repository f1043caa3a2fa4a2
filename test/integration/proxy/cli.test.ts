import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createGrpcClient, createGrpcServer } from '../../../src/transport/grpc/index.js';
import { createWsServer } from '../../../src/transport/ws/index.js';
import { Metadata } from '../../../src/transport/metadata.js';
import { okStatus } from '../../../src/transport/status.js';
import type { CallHandler, ServerTransport } from '../../../src/transport/transport.js';
import { callWith } from '../../helpers/calls.js';
import { CHAT_PROTO, chatSchema, EXCHANGE } from './chat-backends.js';

const CLI = fileURLToPath(new URL('../../../cli/main.ts', import.meta.url));
const servers: ServerTransport[] = [];
afterAll(async () => {
  for (const s of servers) await s.shutdown(0);
});

const tagged = (name: string): CallHandler => (call) =>
  call.listen({ onMessage: (m) => call.write(m), onHalfClose: () => call.end(okStatus(Metadata.from({ 'x-served-by': name }))) });

describe('switchyard proxy (CLI, flags only)', () => {
  it('serves, splits by --split, answers /healthz, and stops cleanly on SIGTERM', async () => {
    const methods = [...(await chatSchema()).methods.values()];
    const g = createGrpcServer({ methods, handler: tagged('legacy') });
    const w = createWsServer({ methods, handler: tagged('next') });
    servers.push(g, w);
    const [ga, wa] = [await g.listen(), await w.listen()];
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, '--log-level', 'info', 'proxy', '--proto', CHAT_PROTO, '--grpc-listen', '127.0.0.1:0', '--ws-listen', '127.0.0.1:0', '--admin-listen', '127.0.0.1:0', '--legacy', `grpc://127.0.0.1:${ga.port}`, '--next', `ws://127.0.0.1:${wa.port}`, '--split', '100'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: Array<Record<string, unknown>> = [];
    let buf = '';
    child.stderr.on('data', (d: Buffer) => {
      buf += d.toString();
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        try {
          lines.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          lines.push({ msg: line });
        }
      }
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const deadline = Date.now() + 20_000;
    let ready: Record<string, unknown> | undefined;
    while (!(ready = lines.find((l) => l['msg'] === 'switchyard proxy ready'))) {
      if (Date.now() > deadline) throw new Error(`proxy did not start: ${JSON.stringify(lines)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const client = createGrpcClient({ address: String(ready['grpc']) });
    const r = await callWith(client, EXCHANGE, [new Uint8Array([10, 1, 120])]);
    expect(r.status.trailers.getText('x-served-by')).toBe('next'); // --split 100
    await client.close();
    const health = await fetch(`http://${String(ready['admin'])}/healthz`);
    expect(health.status).toBe(200);
    const split = await fetch(`http://${String(ready['admin'])}/split`, { method: 'PUT', body: '{"percent":0}' });
    expect(split.status).toBe(403); // no $SWITCHYARD_ADMIN_TOKEN: admin writes disabled
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(lines.some((l) => l['msg'] === 'proxy stopped')).toBe(true);
  });

  it('refuses bad flags with one clear error and exit code 2', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'proxy', '--proto', CHAT_PROTO, '--ws-listen', '127.0.0.1:0', '--legacy', 'http://x:1', '--next', 'ws://y:2', '--split', '12.345'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(2);
    expect(err).toMatch(/split 12\.345 % has more than two decimals/);
  });
});
