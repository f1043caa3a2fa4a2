/**
 * Robustness of the native gRPC engine: keepalive against a frozen peer (both ends),
 * message size limits, connection and stream limits, graceful shutdown, reconnect with
 * backoff, backpressure with a stalled reader, and non-gRPC peers.
 */
import http2 from 'node:http2';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Code } from '../../../src/errors.js';
import { createGrpcClient, createGrpcServer, type GrpcClientOptions, type GrpcServerOptions } from '../../../src/transport/grpc/index.js';
import type { ConnectionState } from '../../../src/transport/lifecycle.js';
import { okStatus } from '../../../src/transport/status.js';
import type { CallHandler, ClientTransport, ServerCall, ServerTransport } from '../../../src/transport/transport.js';
import { startTcpRelay } from '../../helpers/tcp-relay.js';
import { M, createTestHandler, grpcJsClient, runCall, runGrpcJsCall } from '../../helpers/grpc-test-service.js';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function server(options: Partial<GrpcServerOptions> = {}): Promise<{ server: ServerTransport; port: number }> {
  const s = createGrpcServer({ methods: Object.values(M), handler: createTestHandler().handler, ...options });
  const { port } = await s.listen();
  cleanup.push(() => s.shutdown(50));
  return { server: s, port };
}

function client(address: string, options: Partial<GrpcClientOptions> = {}): ClientTransport {
  const c = createGrpcClient({ address, backoff: { initialMs: 20, maxMs: 100 }, ...options });
  cleanup.push(() => c.close());
  return c;
}

const until = async (check: () => boolean, ms = 5_000): Promise<void> => {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > ms) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('keepalive (HTTP/2 PING)', () => {
  it('the client detects a frozen server: calls end UNAVAILABLE, state goes transient-failure', async () => {
    const { port } = await server({ heartbeat: { intervalMs: 0 } });
    const relay = await startTcpRelay(`127.0.0.1:${port}`);
    cleanup.push(() => relay.close());
    const c = client(relay.address, { heartbeat: { intervalMs: 100, timeoutMs: 300 } });
    const states: ConnectionState['t'][] = [];
    c.events.on('state', (s) => states.push(s.t));
    await c.connect();
    const pending = runCall(c, M.hang, [Buffer.from('x')], { halfClose: false });
    await new Promise((r) => setTimeout(r, 150));
    relay.freeze();
    const started = Date.now();
    const r = await pending;
    expect(r.status.code).toBe(Code.UNAVAILABLE);
    expect(r.status.message).toMatch(/keepalive/);
    expect(Date.now() - started).toBeLessThan(3_000);
    await until(() => states.includes('transient-failure'));
  });

  it('the server detects a frozen client: the handler signal aborts UNAVAILABLE', async () => {
    const t = createTestHandler();
    const { server: s, port } = await server({ handler: t.handler, heartbeat: { intervalMs: 100, timeoutMs: 300 } });
    const relay = await startTcpRelay(`127.0.0.1:${port}`);
    cleanup.push(() => relay.close());
    const c = client(relay.address, { heartbeat: { intervalMs: 0 } });
    void runCall(c, M.hang, [Buffer.from('x')], { halfClose: false });
    await until(() => s.activeCalls === 1);
    relay.freeze();
    await until(() => t.aborted.length > 0);
    expect(t.aborted[0]).toMatchObject({ code: Code.UNAVAILABLE });
    expect(t.aborted[0]!.message).toMatch(/keepalive/);
    expect(s.activeCalls).toBe(0);
  });
});

describe('limits', () => {
  it('messages over the maximum end RESOURCE_EXHAUSTED in both directions', async () => {
    const bigReply: CallHandler = (call) => call.listen({ onMessage: () => call.write(Buffer.alloc(5_000)), onHalfClose: () => call.end(okStatus()) });
    const { port } = await server({ maxMessageBytes: 2_000, handler: bigReply });
    // Request too large for the server (the native client's own limit is higher).
    const c = client(`127.0.0.1:${port}`, { maxMessageBytes: 10_000 });
    const tooBig = await runCall(c, M.bidi, [Buffer.alloc(3_000)]);
    expect(tooBig.status.code).toBe(Code.RESOURCE_EXHAUSTED);
    // Response too large for the client.
    const small = client(`127.0.0.1:${port}`, { maxMessageBytes: 1_000 });
    const reply = await runCall(small, M.bidi, [Buffer.alloc(10)]);
    expect(reply.status.code).toBe(Code.RESOURCE_EXHAUSTED);
    // The server refuses to send more than its own maximum.
    const big = await runCall(c, M.bidi, [Buffer.alloc(10)]);
    expect(big.status.code).toBe(Code.RESOURCE_EXHAUSTED);
    expect(big.status.message).toMatch(/response message of 5000 bytes/);
    // The native client refuses to send more than its maximum.
    const local = await runCall(small, M.bidi, [Buffer.alloc(1_500)]);
    expect(local.status.code).toBe(Code.RESOURCE_EXHAUSTED);
    // grpc-js sees the server's limit as RESOURCE_EXHAUSTED too.
    const js = grpcJsClient(`127.0.0.1:${port}`);
    cleanup.push(() => js.close());
    expect((await runGrpcJsCall(js, M.bidi, [Buffer.alloc(3_000)])).status.code).toBe(Code.RESOURCE_EXHAUSTED);
  });

  it('concurrent streams per connection are capped by SETTINGS_MAX_CONCURRENT_STREAMS', async () => {
    const { server: s, port } = await server({ maxConcurrentStreams: 2 });
    const c = client(`127.0.0.1:${port}`);
    await c.connect();
    await new Promise((r) => setTimeout(r, 50)); // let the SETTINGS frame arrive
    const calls = [0, 1, 2].map(() => c.start(M.hang));
    const statuses: Code[] = [];
    for (const call of calls) {
      call.listen({ onMessage() {}, onStatus: (st) => statuses.push(st.code) });
      call.write(Buffer.from('x'));
    }
    await until(() => s.activeCalls === 2);
    await new Promise((r) => setTimeout(r, 100));
    expect(s.activeCalls).toBe(2); // the third waits in the client for a free stream
    calls[0]!.cancel();
    await until(() => statuses.length === 1 && s.activeCalls === 2);
    calls[1]!.cancel();
    calls[2]!.cancel();
    await until(() => statuses.length === 3);
    expect(statuses).toEqual([Code.CANCELLED, Code.CANCELLED, Code.CANCELLED]);
  });

  it('connections over maxConnections are refused; their calls end UNAVAILABLE', async () => {
    const { port } = await server({ maxConnections: 1 });
    const first = client(`127.0.0.1:${port}`);
    expect((await runCall(first, M.unary, [Buffer.from('a')])).status.code).toBe(Code.OK);
    const second = client(`127.0.0.1:${port}`);
    const r = await runCall(second, M.unary, [Buffer.from('b')]);
    expect(r.status.code).toBe(Code.UNAVAILABLE);
    expect((await runCall(first, M.unary, [Buffer.from('c')])).status.code).toBe(Code.OK);
  });
});

describe('graceful shutdown', () => {
  it('lets in-flight calls finish, refuses new ones, then ends the rest UNAVAILABLE after graceMs', async () => {
    const aborted: Code[] = [];
    const handler: CallHandler = (call: ServerCall) => {
      call.signal.addEventListener('abort', () => aborted.push((call.signal.reason as { code: Code }).code));
      if (call.method === M.hang.path) return call.listen({ onMessage() {} });
      call.listen({ onMessage: (m) => setTimeout(() => (call.write(m), call.end(okStatus())), 300) });
    };
    const s = createGrpcServer({ methods: Object.values(M), handler });
    const { port } = await s.listen();
    const c = client(`127.0.0.1:${port}`);
    const states: string[] = [];
    c.events.on('state', (st) => states.push(st.t));
    const slow = runCall(c, M.unary, [Buffer.from('slow')]);
    const hang = runCall(c, M.hang, [Buffer.from('h')], { halfClose: false });
    await until(() => s.activeCalls === 2);
    const started = Date.now();
    const done = s.shutdown(800);
    const slowResult = await slow;
    expect(slowResult.status.code).toBe(Code.OK);
    expect(slowResult.messages.map(String)).toEqual(['slow']);
    const late = await runCall(c, M.unary, [Buffer.from('late')]);
    expect(late.status.code).toBe(Code.UNAVAILABLE);
    const hung = await hang;
    expect(hung.status.code).toBe(Code.UNAVAILABLE);
    await done;
    expect(Date.now() - started).toBeGreaterThanOrEqual(700);
    expect(aborted).toEqual([Code.UNAVAILABLE]);
    expect(states).toContain('draining');
    expect(s.activeCalls).toBe(0);
  });
});

describe('reconnect', () => {
  it('in-flight calls end UNAVAILABLE when the connection drops, and the client reconnects by itself', async () => {
    const { port } = await server();
    const relay = await startTcpRelay(`127.0.0.1:${port}`);
    const c = client(relay.address);
    const states: ConnectionState['t'][] = [];
    c.events.on('state', (st) => states.push(st.t));
    const inflight = runCall(c, M.hang, [Buffer.from('h')], { halfClose: false });
    await until(() => c.state.t === 'ready');
    await new Promise((r) => setTimeout(r, 50));
    await relay.close();
    const r = await inflight;
    expect(r.status.code).toBe(Code.UNAVAILABLE);
    expect(r.status.message).toMatch(/lost/);
    await until(() => states.includes('transient-failure'));
    expect(states.slice(0, 3)).toEqual(['connecting', 'ready', 'transient-failure']);
  });

  it('retries with capped, jittered backoff while the server is down, then recovers', async () => {
    const port = await freePort();
    let s = createGrpcServer({ port, methods: Object.values(M), handler: createTestHandler().handler });
    await s.listen();
    const c = client(`127.0.0.1:${port}`, { backoff: { initialMs: 50, maxMs: 200, multiplier: 2 } });
    const states: ConnectionState[] = [];
    c.events.on('state', (st) => states.push(st));
    expect((await runCall(c, M.unary, [Buffer.from('1')])).status.code).toBe(Code.OK);
    const inflight = runCall(c, M.hang, [Buffer.from('h')], { halfClose: false });
    await until(() => s.activeCalls === 1);
    await s.shutdown(0);
    expect((await inflight).status.code).toBe(Code.UNAVAILABLE);
    // After GOAWAY the client is idle; the next call reconnects, fails fast, and retries begin.
    const failing = await runCall(c, M.unary, [Buffer.from('2')]);
    expect(failing.status.code).toBe(Code.UNAVAILABLE);
    await until(() => states.filter((st) => st.t === 'transient-failure').length >= 4);
    const failures = states.filter((st): st is Extract<ConnectionState, { t: 'transient-failure' }> => st.t === 'transient-failure');
    failures.forEach((f, i) => {
      expect(f.attempt).toBe(i);
      expect(f.retryInMs).toBeLessThan(Math.min(200, 50 * 2 ** i));
    });
    s = createGrpcServer({ port, methods: Object.values(M), handler: createTestHandler().handler });
    await s.listen();
    cleanup.push(() => s.shutdown(50));
    await until(() => c.state.t === 'ready');
    expect((await runCall(c, M.unary, [Buffer.from('3')])).status.code).toBe(Code.OK);
  });
});

describe('backpressure', () => {
  it('a fast server writer against a paused client stalls at a bounded amount, then delivers everything in order', async () => {
    let accepted = 0;
    let stalled = false;
    const total = 4_000;
    const handler: CallHandler = (call) => {
      let i = 0;
      const pump = (): void => {
        while (i < total) {
          const m = Buffer.alloc(1_024);
          m.writeUInt32BE(i++, 0);
          accepted += m.length;
          if (!call.write(m)) {
            stalled = true;
            return;
          }
        }
        call.end(okStatus());
      };
      call.listen({ onMessage() {}, onDrain: pump });
      pump();
    };
    const { port } = await server({ handler });
    const c = client(`127.0.0.1:${port}`);
    const got: number[] = [];
    const call = c.start(M.serverStream);
    const status = new Promise<Code>((resolve) => call.listen({ onMessage: (m) => got.push(Buffer.from(m).readUInt32BE(0)), onStatus: (s) => resolve(s.code) }));
    call.pause();
    call.write(Buffer.from('go'));
    call.halfClose();
    await until(() => stalled);
    await new Promise((r) => setTimeout(r, 300));
    expect(got.length).toBe(0);
    // Bounded: HTTP/2 windows and socket buffers plus the writer's high-water mark, far below 4 MB.
    expect(accepted).toBeLessThan(1_024 * 1_024);
    call.resume();
    expect(await status).toBe(Code.OK);
    expect(got.length).toBe(total);
    expect(got.every((v, idx) => v === idx)).toBe(true);
  });
});

describe('faulty listeners', () => {
  it('a handler that throws ends its call INTERNAL; a client listener that throws ends its call; the process lives on', async () => {
    const handler: CallHandler = (call) =>
      call.listen({
        onMessage: (m) => {
          if (Buffer.from(m).toString() === 'boom') throw new Error('handler bug');
          call.write(m);
        },
        onHalfClose: () => call.end(okStatus()),
      });
    const { port } = await server({ handler });
    const c = client(`127.0.0.1:${port}`);
    const r = await runCall(c, M.bidi, [Buffer.from('ok'), Buffer.from('boom')]);
    expect(r.status.code).toBe(Code.INTERNAL);
    expect(r.status.message).toMatch(/handler bug/);
    const statuses: Code[] = [];
    const call = c.start(M.bidi);
    call.listen({
      onMessage: () => {
        throw new Error('listener bug');
      },
      onStatus: (st) => statuses.push(st.code),
    });
    call.write(Buffer.from('x'));
    await until(() => statuses.length === 1);
    expect(statuses).toEqual([Code.INTERNAL]);
    expect((await runCall(c, M.bidi, [Buffer.from('still fine')])).status.code).toBe(Code.OK);
  });
});

describe('non-gRPC peers', () => {
  it('maps HTTP statuses and content types to gRPC codes', async () => {
    const plain = http2.createServer();
    plain.on('stream', (stream, headers) => {
      stream.on('error', () => {});
      const path = String(headers[':path']);
      if (path.endsWith('/503')) stream.respond({ ':status': 503 }, { endStream: true });
      else if (path.endsWith('/404')) stream.respond({ ':status': 404 }, { endStream: true });
      else {
        stream.respond({ ':status': 200, 'content-type': 'text/html' });
        stream.end('<html></html>');
      }
    });
    await new Promise<void>((r) => plain.listen(0, '127.0.0.1', r));
    cleanup.push(() => new Promise<void>((r) => plain.close(() => r())));
    const c = client(`127.0.0.1:${(plain.address() as net.AddressInfo).port}`);
    const code = async (path: string): Promise<Code> => (await runCall(c, { path, kind: 'unary' }, [Buffer.from('x')])).status.code;
    expect(await code('/x.Y/503')).toBe(Code.UNAVAILABLE);
    expect(await code('/x.Y/404')).toBe(Code.UNIMPLEMENTED);
    expect(await code('/x.Y/html')).toBe(Code.UNKNOWN);
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}
