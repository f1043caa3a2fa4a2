/**
 * WebSocket-only server behaviour: Origin allowlist, connection limit, upgrade path,
 * GOAWAY drain as the client's state machine sees it, an existing HTTP server, TLS.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Code } from '../../../src/errors.js';
import { loadProto, type MethodDescriptor, type ProtoSchema } from '../../../src/schema/load.js';
import { Metadata } from '../../../src/transport/metadata.js';
import type { ClientTransport, ServerTransport } from '../../../src/transport/transport.js';
import { createWsClient, createWsServer, type WsClientOptions, type WsServerOptions } from '../../../src/transport/ws/index.js';
import { callWith, collect, eventually, recordStates } from '../../helpers/calls.js';
import { captureLog } from '../../helpers/log-capture.js';
import { T, connectRaw, frame, open, settings } from '../../helpers/ws-raw.js';
import { startTcpRelay } from '../../helpers/tcp-relay.js';
import { WhatwgOnlyWebSocket } from '../../helpers/whatwg-websocket.js';
import { CHAT_PROTO } from '../../shared/call-shapes.js';
import { createScenarioService, encodeText, type Observation } from '../../shared/scenario-service.js';

let schema: ProtoSchema;
let service: ReturnType<typeof createScenarioService>;
let unary: MethodDescriptor;
let bidi: MethodDescriptor;
const cleanup: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  schema = await loadProto(CHAT_PROTO);
  service = createScenarioService(schema);
  unary = schema.methods.get('/chat.ChatService/SendMessage')!;
  bidi = schema.methods.get('/chat.ChatService/ExchangeMessages')!;
});

afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function start(extra: Partial<WsServerOptions> = {}): Promise<{ server: ServerTransport; address: string }> {
  const server = createWsServer({ methods: schema.methods.values(), handler: service.handler, ...extra });
  const { port } = await server.listen();
  cleanup.push(() => server.shutdown(100));
  return { server, address: `127.0.0.1:${port}` };
}

function client(address: string, extra: Partial<WsClientOptions> = {}): ClientTransport {
  const c = createWsClient({ address, connectTimeoutMs: 2000, backoff: { initialMs: 20, maxMs: 100 }, ...extra });
  cleanup.push(() => c.close());
  return c;
}

async function retry<R>(fn: () => Promise<R>, timeoutMs = 2000): Promise<R> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}

const ok = (c: ClientTransport) => callWith(c, unary, [encodeText(unary.requestType, 'hi')]);

describe('Origin allowlist', () => {
  it('refuses a browser Origin not on the list with HTTP 403, and logs it', async () => {
    const log = captureLog();
    const { address } = await start({ allowedOrigins: ['https://app.example.com'], logger: log.logger });
    await expect(connectRaw(address, ['switchyard.v1'], { Origin: 'https://evil.example.com' })).rejects.toThrow(/403/);
    expect(log.warnings().map((e) => e.msg)).toContain('WebSocket upgrade refused: Origin https://evil.example.com is not allowed');
    const good = await connectRaw(address, ['switchyard.v1'], { Origin: 'https://app.example.com' });
    expect(good.ws.protocol).toBe('switchyard.v1');
    good.ws.close();
    const r = await ok(client(address));
    expect(r.status.code).toBe(Code.OK);
  });

  it('the client reports the refusal as UNAVAILABLE naming the status', async () => {
    const { address } = await start({ allowedOrigins: ['https://app.example.com'] });
    const c = client(address, { wsOptions: { origin: 'https://evil.example.com' } });
    const r = await ok(c);
    expect(r.status.code).toBe(Code.UNAVAILABLE);
    expect(r.status.message).toContain('403');
  });
});

describe('connection limit', () => {
  it('refuses connections beyond maxConnections with HTTP 503 until one closes', async () => {
    const { address } = await start({ maxConnections: 2 });
    const a = await connectRaw(address);
    const b = await connectRaw(address);
    await expect(connectRaw(address)).rejects.toThrow(/503/);
    a.ws.close();
    await a.closed;
    const c = await retry(() => connectRaw(address));
    expect(c.ws.protocol).toBe('switchyard.v1');
    b.ws.close();
    c.ws.close();
  });
});

describe('upgrade path and plain HTTP', () => {
  it('only the configured path upgrades; plain HTTP gets 426', async () => {
    const { address } = await start({ path: '/rpc' });
    const r = await ok(client(address, { path: '/rpc' }));
    expect(r.status.code).toBe(Code.OK);
    const wrong = await ok(client(address, { path: '/other' }));
    expect(wrong.status.code).toBe(Code.UNAVAILABLE);
    const res = await fetch(`http://${address}/rpc`);
    expect(res.status).toBe(426);
  });

  it('serves on an existing HTTP server', async () => {
    const httpServer = http.createServer((_req, res) => res.end('app'));
    await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
    cleanup.push(() => new Promise((resolve) => httpServer.close(resolve)));
    const server = createWsServer({ methods: schema.methods.values(), handler: service.handler, httpServer, path: '/ws' });
    const { port } = await server.listen();
    cleanup.push(() => server.shutdown(100));
    expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe('app');
    const r = await ok(client(`127.0.0.1:${port}`, { path: '/ws' }));
    expect(r.status.code).toBe(Code.OK);
  });
});

describe('GOAWAY drain', () => {
  it('the client goes draining, in-flight calls finish, then the connection closes and the client goes idle', async () => {
    const { server, address } = await start();
    const c = client(address);
    await c.connect();
    const states = recordStates(c);
    const id = 'drain-1';
    const call = c.start(bidi, { metadata: Metadata.from({ 'x-test-id': id }) });
    let echoes = 0;
    const done = collect(call, () => echoes++);
    call.write(encodeText(bidi.requestType, 'a'));
    await eventually(() => echoes === 1, 'the first echo');
    const stopped = server.shutdown(5000);
    await eventually(() => c.state.t === 'draining', 'the client to drain');
    call.write(encodeText(bidi.requestType, 'b'));
    await eventually(() => echoes === 2, 'an echo while draining');
    call.halfClose();
    expect((await done).status.code).toBe(Code.OK);
    await stopped;
    await eventually(() => c.state.t !== 'draining', 'the drained connection to close');
    expect(states.map((s) => s.t)).toEqual(['ready', 'draining', 'idle']);
    expect((service.observations.get(id) as Observation).received).toEqual(['a', 'b']);
  });

  it('a raw peer gets GOAWAY with the last stream id; later OPENs are refused UNAVAILABLE; close code 1001', async () => {
    const { server, address } = await start();
    const peer = await connectRaw(address);
    peer.send(settings(), open(1, bidi.path, [['x-scenario', 'hang']]));
    await eventually(() => server.activeCalls === 1, 'the call to start');
    const stopped = server.shutdown(300);
    await eventually(() => peer.received.frames.some((f) => f.type === 'GOAWAY'), 'GOAWAY');
    expect(peer.received.frames.find((f) => f.type === 'GOAWAY')!.lastStreamId).toBe(1);
    peer.send(open(3, bidi.path), frame(T.HALF_CLOSE, 3));
    await eventually(() => peer.statusOf(3) !== undefined, 'the refusal');
    expect(peer.statusOf(3)!.code).toBe(Code.UNAVAILABLE);
    await stopped;
    expect(peer.statusOf(1)!.code).toBe(Code.UNAVAILABLE);
    expect((await peer.closed).code).toBe(1001);
  });
});

describe('TLS', () => {
  const hasOpenssl = (() => {
    try {
      execFileSync('openssl', ['version']);
      return true;
    } catch {
      return false;
    }
  })();

  it.skipIf(!hasOpenssl)('serves wss:// with a certificate the client trusts', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sy-tls-'));
    const key = path.join(dir, 'key.pem');
    const cert = path.join(dir, 'cert.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { stdio: 'ignore' });
    const pem = readFileSync(cert);
    const { address } = await start({ tls: { cert: pem, key: readFileSync(key) } });
    const r = await ok(client(`wss://${address}/`, { tls: { ca: pem } }));
    expect(r.status.code).toBe(Code.OK);
    const untrusted = await ok(client(`wss://${address}/`));
    expect(untrusted.status.code).toBe(Code.UNAVAILABLE);
  });
});

describe('listen and connect failures', () => {
  it('listen() on a port in use fails with TRANSPORT_LISTEN_FAILED naming the address', async () => {
    const { address } = await start();
    const port = Number(address.split(':')[1]);
    const second = createWsServer({ methods: [], handler: () => {}, port });
    await expect(second.listen()).rejects.toThrow(/TRANSPORT_LISTEN_FAILED: WebSocket server cannot listen on 127\.0\.0\.1:\d+: listen EADDRINUSE/);
  });

  it('connect() to a closed port rejects UNAVAILABLE and the client enters transient-failure', async () => {
    const { server, address } = await start();
    await server.shutdown(0);
    const c = client(address);
    const err = await c.connect().then(() => undefined, (e: unknown) => e);
    expect(err).toMatchObject({ code: Code.UNAVAILABLE, id: 'TRANSPORT_UNAVAILABLE' });
    expect(String((err as Error).message)).toContain('cannot connect');
    expect(c.state.t === 'transient-failure' || c.state.t === 'connecting').toBe(true);
  });

  it('a bad address is refused when the client is created', () => {
    expect(() => createWsClient({ address: 'grpc://127.0.0.1:1' })).toThrow(/TRANSPORT_BAD_ADDRESS/);
  });
});

describe('closing over a frozen network', () => {
  for (const [name, WebSocket] of [['ws package', undefined], ['WHATWG API', WhatwgOnlyWebSocket]] as const) {
    it(`close() resolves after closeTimeoutMs even when the peer never answers (${name})`, async () => {
      const { address } = await start();
      const relay = await startTcpRelay(address);
      cleanup.push(() => relay.close());
      const c = createWsClient({ address: relay.address, closeTimeoutMs: 200, heartbeat: { intervalMs: 0 }, ...(WebSocket ? { WebSocket } : {}) });
      await c.connect();
      relay.freeze();
      await c.close();
      expect(c.state.t).toBe('closed');
    });
  }
});
