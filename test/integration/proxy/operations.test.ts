import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openControl } from '../../../src/control/control-db.js';
import { listShadowMismatches, sumSnapshots } from '../../../src/control/snapshots.js';
import { Code } from '../../../src/errors.js';
import { parseProxyConfig } from '../../../src/proxy/config.js';
import { engineTransports } from '../../../src/proxy/engines.js';
import { startProxy, type RunningProxy } from '../../../src/proxy/proxy.js';
import { decodeToObject, encodeMessage } from '../../../src/schema/codec.js';
import type { Store } from '../../../src/store/connect.js';
import { createGrpcClient, createGrpcServer, loadBundledProto } from '../../../src/transport/grpc/index.js';
import { createWsClient, createWsServer } from '../../../src/transport/ws/index.js';
import { Metadata } from '../../../src/transport/metadata.js';
import { okStatus } from '../../../src/transport/status.js';
import type { CallHandler, ClientTransport, ServerCall, ServerTransport } from '../../../src/transport/transport.js';
import { callWith, eventually } from '../../helpers/calls.js';
import { tempSqliteUrl, uniqueTable } from '../../helpers/databases.js';
import { CHAT_PROTO, chatSchema, EXCHANGE, SEND } from './chat-backends.js';

const TOKEN = 'operations-test-admin-token';
const controlUrl = tempSqliteUrl('ops');
const migration = uniqueTable('ops');
let control: Store;
let proxy: RunningProxy;
const servers: ServerTransport[] = [];
const clients: ClientTransport[] = [];
const seen: ServerCall[] = [];
let nextDelayMs = 0;

/** SendMessage: legacy answers id "L-…", next "N-…" (a planted difference); both stamp "now" (ignored). */
async function backend(name: 'legacy' | 'next'): Promise<CallHandler> {
  const s = await chatSchema();
  const Reply = s.type('chat.SendReply');
  return (call) => {
    seen.push(call);
    const reqs: Uint8Array[] = [];
    call.listen({
      onMessage: (m) => (call.method === EXCHANGE.path ? call.write(m) : reqs.push(m)),
      onHalfClose: () => {
        if (call.method === EXCHANGE.path) return call.end(okStatus());
        const content = decodeToObject<{ content: string }>(s.type('chat.Message'), reqs[0]!).content;
        const answer = () => {
          call.write(encodeMessage(Reply, { id: content === 'same' ? 'same-id' : `${name[0]!.toUpperCase()}-1`, sentAt: new Date().toISOString() }));
          call.end(okStatus());
        };
        if (name === 'next' && nextDelayMs) setTimeout(answer, nextDelayMs);
        else answer();
      },
    });
  };
}

beforeAll(async () => {
  control = await openControl(controlUrl);
  const methods = [...(await chatSchema()).methods.values()];
  const g = createGrpcServer({ methods, handler: await backend('legacy') });
  const w = createWsServer({ methods, handler: await backend('next') });
  servers.push(g, w);
  const [ga, wa] = [await g.listen(), await w.listen()];
  proxy = await startProxy(
    parseProxyConfig({
      migration,
      proxyId: 'ops-proxy',
      proto: { files: [CHAT_PROTO] },
      listen: { grpc: '127.0.0.1:0', ws: '127.0.0.1:0', admin: '127.0.0.1:0' },
      upstreams: { legacy: `grpc://127.0.0.1:${ga.port}`, next: `ws://127.0.0.1:${wa.port}` },
      methods: { reads: [SEND.path], overrides: [{ method: SEND.path, shadow: { sampleRate: 1, ignoreFields: ['sent_at'], timeoutMs: 300 } }] },
      control: { url: controlUrl, snapshotIntervalMs: 100, pollIntervalMs: 100 },
      admin: { token: TOKEN },
    }),
    { transports: engineTransports() },
  );
  clients.push(createGrpcClient({ address: proxy.addresses.grpc! }), createWsClient({ address: proxy.addresses.ws! }));
});
afterAll(async () => {
  for (const c of clients) await c.close();
  await proxy?.stop(0);
  for (const s of servers) await s.shutdown(0);
  await control?.close();
});

const send = async (client: ClientTransport, content: string, md: Record<string, string> = {}) => {
  const s = await chatSchema();
  return callWith(client, SEND, [encodeMessage(s.type('chat.Message'), { content, sender: 'a' })], { metadata: Metadata.from(md) });
};
const admin = (path: string, init?: RequestInit) => fetch(`http://${proxy.addresses.admin}${path}`, init);

describe('proxy operations', () => {
  it('gRPC health and server reflection answer on the gRPC listener', async () => {
    const health = loadBundledProto('grpc/health/v1/health.proto');
    const r = await callWith(clients[0]!, { path: '/grpc.health.v1.Health/Check', kind: 'unary' }, [encodeMessage(health.type('grpc.health.v1.HealthCheckRequest'), { service: 'chat.ChatService' })]);
    expect(decodeToObject(health.type('grpc.health.v1.HealthCheckResponse'), r.messages[0]!)).toMatchObject({ status: 'SERVING' });
    const refl = loadBundledProto('grpc/reflection/v1/reflection.proto');
    const rr = await callWith(clients[0]!, { path: '/grpc.reflection.v1.ServerReflection/ServerReflectionInfo', kind: 'bidi' }, [encodeMessage(refl.type('grpc.reflection.v1.ServerReflectionRequest'), { listServices: '*' })]);
    const services = decodeToObject<{ listServicesResponse: { service: Array<{ name: string }> } }>(refl.type('grpc.reflection.v1.ServerReflectionResponse'), rr.messages[0]!).listServicesResponse.service.map((x) => x.name);
    expect(services).toEqual(expect.arrayContaining(['chat.ChatService', 'grpc.health.v1.Health']));
  });

  it('a browser-style JSON WebSocket client reaches the gRPC upstream through the proxy', async () => {
    const ws = new WebSocket(`ws://${proxy.addresses.ws}/`, ['switchyard.v1.json']);
    const frames: Array<Record<string, unknown>> = [];
    ws.on('message', (d) => frames.push(JSON.parse(d.toString()) as Record<string, unknown>));
    await new Promise((r) => ws.once('open', r));
    expect(ws.protocol).toBe('switchyard.v1.json');
    ws.send(JSON.stringify({ type: 'open', stream: 1, method: EXCHANGE.path, metadata: { 'x-switchyard-route': 'legacy' } }));
    ws.send(JSON.stringify({ type: 'message', stream: 1, message: { content: 'hi', sender: 'browser' } }));
    ws.send(JSON.stringify({ type: 'half-close', stream: 1 }));
    await eventually(() => frames.some((f) => f['type'] === 'status'), 'the status');
    expect(frames.filter((f) => f['type'] === 'message').map((f) => f['message'])).toEqual([{ content: 'hi', sender: 'browser' }]);
    expect(frames.find((f) => f['type'] === 'status')).toMatchObject({ code: 0 });
    expect(seen.at(-1)!.transport).toBe('grpc');
    ws.close();
  });

  it('traceparent crosses transports with the trace id kept and a new span id', async () => {
    const tp = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    seen.length = 0;
    const r = await callWith(clients[1]!, EXCHANGE, [new Uint8Array([10, 1, 65])], { metadata: Metadata.from({ traceparent: tp, 'x-switchyard-route': 'legacy' }) });
    expect(r.status.code).toBe(Code.OK);
    const up = seen.find((c) => c.method === EXCHANGE.path)!;
    expect(up.transport).toBe('grpc');
    expect(up.metadata.getText('traceparent')).toMatch(/^00-0af7651916cd43dd8448eb211c80319c-(?!b7ad6b7169203331)[0-9a-f]{16}-01$/);
  });

  it('shadow: the planted difference is found and stored, ignored fields are ignored, a slow shadow never slows the primary', async () => {
    expect((await send(clients[0]!, 'differs')).status.code).toBe(Code.OK);
    expect((await send(clients[1]!, 'same')).status.code).toBe(Code.OK); // differs only in sent_at: ignored
    let samples: Awaited<ReturnType<typeof listShadowMismatches>> = [];
    for (let i = 0; i < 100 && samples.length === 0; i++) {
      samples = await listShadowMismatches(control.knex, migration);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(samples).toHaveLength(1);
    expect(samples[0]).toMatchObject({ method: SEND.path, primaryUpstream: 'legacy', proxyId: 'ops-proxy', diff: [{ path: 'id', primary: 'L-1', shadow: 'N-1' }] });
    nextDelayMs = 1_000;
    const t0 = performance.now();
    expect((await send(clients[0]!, 'slow shadow')).status.code).toBe(Code.OK);
    expect(performance.now() - t0).toBeLessThan(250);
    nextDelayMs = 0;
    let totals = await sumSnapshots(control.knex, { migration, sinceMs: 0 });
    for (let i = 0; i < 100 && totals.legacy.shadowDropped === 0; i++) {
      await new Promise((r) => setTimeout(r, 50));
      totals = await sumSnapshots(control.knex, { migration, sinceMs: 0 });
    }
    expect(totals.legacy).toMatchObject({ shadowCompared: 2, shadowMismatched: 1, shadowDropped: 1 });
    const metrics = await (await admin('/metrics')).text();
    expect(metrics).toMatch(/switchyard_proxy_shadow_comparisons_total\{method="\/chat.ChatService\/SendMessage",primary="legacy",result="mismatch"\} 1/);
    expect(metrics).toMatch(/switchyard_proxy_shadow_dropped_total\{method="\/chat.ChatService\/SendMessage",reason="timeout"\} 1/);
  });

  it('an upstream that refuses: UNAVAILABLE, counted; /status and PUT /split work', async () => {
    const bad = await startProxy(
      parseProxyConfig({ proto: { files: [CHAT_PROTO] }, listen: { ws: '127.0.0.1:0', admin: '127.0.0.1:0' }, upstreams: { legacy: 'grpc://127.0.0.1:1', next: 'ws://127.0.0.1:1' }, admin: { token: TOKEN } }),
      { transports: engineTransports() },
    );
    const c = createWsClient({ address: bad.addresses.ws! });
    try {
      const r = await callWith(c, EXCHANGE, [new Uint8Array([10, 1, 65])]);
      expect(r.status.code).toBe(Code.UNAVAILABLE);
      const metrics = await (await fetch(`http://${bad.addresses.admin}/metrics`)).text();
      expect(metrics).toMatch(/switchyard_proxy_call_errors_total\{method="\/chat.ChatService\/ExchangeMessages",upstream="legacy",code="UNAVAILABLE"\} 1/);
      const put = await fetch(`http://${bad.addresses.admin}/split`, { method: 'PUT', headers: { authorization: `Bearer ${TOKEN}` }, body: JSON.stringify({ target: 'class:default', percent: 100 }) });
      expect(put.status).toBe(200);
      const status = (await (await fetch(`http://${bad.addresses.admin}/status`)).json()) as { upstreams: { legacy: { errors: number } }; routes: { methods: Array<{ percent: number }> } };
      expect(status.upstreams.legacy.errors).toBe(1);
      expect(status.routes.methods.every((m) => m.percent === 100)).toBe(true);
    } finally {
      await c.close();
      await bad.stop(0);
    }
  });

  it('PUT /split with a control database writes the split there, and the proxy follows it', async () => {
    const put = await admin('/split', { method: 'PUT', headers: { authorization: `Bearer ${TOKEN}` }, body: JSON.stringify({ target: `method:${EXCHANGE.path}`, percent: 100, reason: 'ops test' }) });
    expect(put.status).toBe(200);
    const r = await callWith(clients[0]!, EXCHANGE, [new Uint8Array([10, 1, 65])]);
    expect(r.status.code).toBe(Code.OK);
    expect(seen.at(-1)!.transport).toBe('ws'); // next
    const status = (await (await admin('/status')).json()) as { routes: { targets: Record<string, { percent: number }> } };
    expect(status.routes.targets[`method:${EXCHANGE.path}`]).toEqual({ splitBp: 10_000, percent: 100 });
  });
});
