/** What the shared suite does not cover on the grpc-js engine: TLS, connection limits, lifecycle, and its metadata limits. */
import { afterEach, describe, expect, it } from 'vitest';
import { Code } from '../../../src/errors.js';
import { Metadata } from '../../../src/transport/metadata.js';
import { okStatus } from '../../../src/transport/status.js';
import { createGrpcJsClient, createGrpcJsServer } from '../../../src/transport/grpc-js/index.js';
import type { CallHandler, ClientTransport, ServerTransport } from '../../../src/transport/transport.js';
import { callWith, recordStates, waitForState } from '../../helpers/calls.js';
import { testCertificates } from '../../helpers/tls-certs.js';

const UNARY = { path: '/t.Echo/Unary', kind: 'unary' as const };
const BIDI = { path: '/t.Echo/Bidi', kind: 'bidi' as const };
const seen: Array<{ peer: string; deadline: number | undefined; md: Metadata }> = [];
const echo: CallHandler = (call) => {
  seen.push({ peer: call.peer, deadline: call.deadline, md: call.metadata });
  call.listen({ onMessage: (m) => call.write(m), onHalfClose: () => call.end(okStatus()) });
};

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function serve(options: Partial<Parameters<typeof createGrpcJsServer>[0]> = {}): Promise<{ server: ServerTransport; port: number }> {
  const server = createGrpcJsServer({ methods: [UNARY, BIDI], handler: echo, ...options });
  const { port } = await server.listen();
  cleanup.push(() => server.shutdown(0));
  return { server, port };
}

function client(address: string, options: Partial<Parameters<typeof createGrpcJsClient>[0]> = {}): ClientTransport {
  const c = createGrpcJsClient({ address, backoff: { initialMs: 50, maxMs: 200 }, ...options });
  cleanup.push(() => c.close());
  return c;
}

describe('grpc-js engine', () => {
  it('serves over TLS; a client that trusts another CA cannot connect', async () => {
    const certs = testCertificates();
    const { port } = await serve({ tls: { cert: certs.serverCert, key: certs.serverKey } });
    const good = client(`grpcs://localhost:${port}`, { tls: { ca: certs.caCert } });
    const r = await callWith(good, UNARY, [new Uint8Array([1, 2, 3])]);
    expect(r.status.code).toBe(Code.OK);
    expect(Array.from(r.messages[0]!)).toEqual([1, 2, 3]);
    const bad = client(`grpcs://localhost:${port}`, { tls: { ca: certs.otherCaCert } });
    expect((await callWith(bad, UNARY, [new Uint8Array([1])])).status.code).toBe(Code.UNAVAILABLE);
  });

  it('mutual TLS: the server refuses a client without a certificate', async () => {
    const certs = testCertificates();
    const { port } = await serve({ tls: { cert: certs.serverCert, key: certs.serverKey, ca: certs.caCert } });
    const withCert = client(`grpcs://localhost:${port}`, { tls: { ca: certs.caCert, cert: certs.clientCert, key: certs.clientKey } });
    expect((await callWith(withCert, UNARY, [new Uint8Array([1])])).status.code).toBe(Code.OK);
    const without = client(`grpcs://localhost:${port}`, { tls: { ca: certs.caCert } });
    expect((await callWith(without, UNARY, [new Uint8Array([1])])).status.code).toBe(Code.UNAVAILABLE);
  });

  it('refuses connections over maxConnections; a freed slot is taken on reconnect', async () => {
    const { port } = await serve({ maxConnections: 1 });
    const first = client(`127.0.0.1:${port}`);
    await first.connect();
    const second = client(`127.0.0.1:${port}`);
    expect((await callWith(second, UNARY, [new Uint8Array([1])])).status.code).toBe(Code.UNAVAILABLE);
    await first.close();
    await waitForState(second, 'ready');
    expect((await callWith(second, UNARY, [new Uint8Array([2])])).status.code).toBe(Code.OK);
  });

  it('reports its lifecycle: idle → connecting → ready → closed; calls after close end UNAVAILABLE', async () => {
    const { port } = await serve();
    const c = client(`grpc://127.0.0.1:${port}`);
    expect(c.state.t).toBe('idle');
    const states = recordStates(c);
    await c.connect();
    await c.close();
    expect(states.map((s) => s.t)).toEqual(['idle', 'connecting', 'ready', 'closed']);
    expect((await callWith(c, UNARY, [new Uint8Array([1])])).status.code).toBe(Code.UNAVAILABLE);
  });

  it('gives handlers the peer, the deadline and the request metadata without transport headers', async () => {
    const { port } = await serve();
    seen.length = 0;
    const deadline = Date.now() + 5_000;
    await callWith(client(`127.0.0.1:${port}`), UNARY, [new Uint8Array([1])], { deadline, metadata: Metadata.from({ 'x-a': 'b' }) });
    expect(seen[0]!.peer).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(Math.abs(seen[0]!.deadline! - deadline)).toBeLessThan(100);
    expect([...seen[0]!.md.entries()].map(([k]) => k)).toEqual(['x-a']);
  });

  it('a text metadata value outside printable ASCII ends the call INVALID_ARGUMENT (gRPC cannot carry it)', async () => {
    const { port } = await serve();
    const r = await callWith(client(`127.0.0.1:${port}`), UNARY, [new Uint8Array([1])], { metadata: Metadata.from({ 'x-text': 'héllo' }) });
    expect(r.status.code).toBe(Code.INVALID_ARGUMENT);
    expect(r.status.message).toMatch(/x-text.*printable ASCII/);
  });

  it('a second request on a unary call ends it INTERNAL on the client', async () => {
    const { port } = await serve();
    const c = client(`127.0.0.1:${port}`);
    const call = c.start(UNARY);
    const status = new Promise<number>((resolve) => call.listen({ onMessage: () => undefined, onStatus: (s) => resolve(s.code) }));
    call.write(new Uint8Array([1]));
    expect(call.write(new Uint8Array([2]))).toBe(false);
    expect(await status).toBe(Code.INTERNAL);
  });

  it('shutdown with no calls in flight resolves at once and refuses a second listen', async () => {
    const { server } = await serve();
    const started = Date.now();
    await server.shutdown(5_000);
    expect(Date.now() - started).toBeLessThan(1_000);
    await expect(server.listen()).rejects.toMatchObject({ code: Code.UNAVAILABLE });
  });
});

describe('grpc-js engine listen', () => {
  it('a port in use fails listen() with TRANSPORT_LISTEN_FAILED naming the address', async () => {
    const { port } = await serve();
    const second = createGrpcJsServer({ methods: [UNARY], handler: echo, port });
    await expect(second.listen()).rejects.toMatchObject({ id: 'TRANSPORT_LISTEN_FAILED', message: expect.stringContaining(`127.0.0.1:${port}`) });
  });
});
