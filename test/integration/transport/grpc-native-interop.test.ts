/**
 * Interop of the native gRPC engine with real @grpc/grpc-js, both ways: a grpc-js client
 * against the native server, and the native client against a grpc-js server.
 */
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Code } from '../../../src/errors.js';
import { createGrpcClient, createGrpcServer } from '../../../src/transport/grpc/index.js';
import { Metadata } from '../../../src/transport/metadata.js';
import type { ClientTransport, ServerTransport } from '../../../src/transport/transport.js';
import { M, createTestHandler, grpcJsClient, runCall, runGrpcJsCall, startGrpcJsTestServer, type AbortRecord } from '../../helpers/grpc-test-service.js';

const bytes = (...b: number[]): Buffer => Buffer.from(b);
const waitUntil = async (check: () => boolean, ms = 3_000): Promise<void> => {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > ms) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('grpc-js client → native server', () => {
  let server: ServerTransport;
  let client: grpc.Client;
  let aborted: AbortRecord[];
  let deadlines: Array<number | undefined>;

  beforeAll(async () => {
    const t = createTestHandler();
    aborted = t.aborted;
    deadlines = t.deadlines;
    server = createGrpcServer({ methods: Object.values(M), handler: t.handler });
    const { port } = await server.listen();
    client = grpcJsClient(`127.0.0.1:${port}`);
  });
  afterAll(async () => {
    client.close();
    await server.shutdown(100);
  });

  const md = (): grpc.Metadata => {
    const m = new grpc.Metadata();
    m.add('x-text', 'hello');
    m.add('x-multi', 'a');
    m.add('x-multi', 'b');
    m.add('x-data-bin', bytes(0, 1, 254, 255));
    return m;
  };

  it('unary: message, headers, -bin metadata and trailers round trip', async () => {
    const r = await runGrpcJsCall(client, M.unary, [bytes(1, 2, 3)], md());
    expect(r.status.code).toBe(0);
    expect(r.messages).toEqual([bytes(1, 2, 3)]);
    expect(r.headers?.get('x-text')).toEqual(['hello']);
    // grpc-js reads repeated text headers joined with ", " (node:http2's header object).
    expect(r.headers?.get('x-multi')).toEqual(['a, b']);
    expect(r.headers?.get('x-data-bin')).toEqual([bytes(0, 1, 254, 255)]);
    expect(r.status.metadata.get('x-trailer')).toEqual(['yes']);
    expect(r.status.metadata.get('x-trailer-bin')).toEqual([bytes(1, 2, 3)]);
  });

  it('server-streaming, client-streaming and bidi', async () => {
    const meta = md();
    meta.set('x-count', '5');
    const ss = await runGrpcJsCall(client, M.serverStream, [bytes(9)], meta);
    expect(ss.status.code).toBe(0);
    expect(ss.messages).toEqual([0, 1, 2, 3, 4].map((i) => bytes(9, i)));
    const cs = await runGrpcJsCall(client, M.clientStream, [bytes(1), bytes(1, 2), bytes()], md());
    expect(cs.messages.map(String)).toEqual(['3:1,2,0']);
    const many = Array.from({ length: 500 }, (_v, i) => Buffer.alloc(1 + (i % 300), i % 256));
    const bidi = await runGrpcJsCall(client, M.bidi, many, md());
    expect(bidi.status.code).toBe(0);
    expect(bidi.messages).toEqual(many);
  });

  it('a large message split across many DATA frames arrives intact', async () => {
    const big = Buffer.alloc(1_000_000);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7) % 251;
    const r = await runGrpcJsCall(client, M.bidi, [big, bytes(1), big]);
    expect(r.status.code).toBe(0);
    expect(r.messages.length).toBe(3);
    expect(r.messages[0]!.equals(big)).toBe(true);
    expect(r.messages[2]!.equals(big)).toBe(true);
  });

  it('an error status carries a percent-encoded message and details', async () => {
    const meta = new grpc.Metadata();
    meta.set('x-status', String(Code.FAILED_PRECONDITION));
    meta.set('x-status-message-bin', Buffer.from('not ready: 100% ✗\nline two'));
    meta.set('x-status-details-bin', bytes(8, 9, 10));
    const r = await runGrpcJsCall(client, M.unary, [bytes(1)], meta);
    expect(r.status.code).toBe(Code.FAILED_PRECONDITION);
    expect(r.status.details).toBe('not ready: 100% ✗\nline two');
    expect(r.status.metadata.get('grpc-status-details-bin')).toEqual([bytes(8, 9, 10)]);
    expect(r.status.metadata.get('x-trailer')).toEqual(['yes']);
  });

  it('Trailers-Only: status with no headers or messages', async () => {
    const meta = new grpc.Metadata();
    meta.set('x-trailers-only', '1');
    meta.set('x-status', String(Code.PERMISSION_DENIED));
    meta.set('x-status-message', 'go away');
    for (const method of [M.unary, M.serverStream, M.bidi]) {
      const r = await runGrpcJsCall(client, method, [bytes(1)], meta);
      expect(r.status.code).toBe(Code.PERMISSION_DENIED);
      expect(r.status.details).toBe('go away');
      expect(r.messages).toEqual([]);
      expect(r.status.metadata.get('x-trailer')).toEqual(['yes']);
    }
  });

  it('unknown method → UNIMPLEMENTED', async () => {
    const r = await runGrpcJsCall(client, { path: '/test.Echo/Nope', kind: 'unary' }, [bytes(1)]);
    expect(r.status.code).toBe(Code.UNIMPLEMENTED);
    expect(r.status.details).toContain('/test.Echo/Nope');
  });

  it('deadline: DEADLINE_EXCEEDED at the client, and the handler signal aborts with it', async () => {
    const before = aborted.length;
    const deadline = Date.now() + 200;
    const r = await runGrpcJsCall(client, M.hang, [bytes(1)], new grpc.Metadata(), { deadline });
    expect(r.status.code).toBe(Code.DEADLINE_EXCEEDED);
    // grpc-js's grpc-timeout became the handler's deadline (within the transit time).
    expect(Math.abs(deadlines.at(-1)! - deadline)).toBeLessThan(100);
    await waitUntil(() => aborted.length > before);
    expect(aborted[before]).toMatchObject({ method: M.hang.path, code: Code.DEADLINE_EXCEEDED });
  });

  it('client cancel reaches the handler as CANCELLED', async () => {
    const before = aborted.length;
    const call = client.makeBidiStreamRequest(M.hang.path, (b: Buffer) => b, (b: Buffer) => b);
    const status = new Promise<grpc.StatusObject>((resolve) => call.on('status', resolve));
    call.on('error', () => {});
    call.write(bytes(1));
    await new Promise((r) => setTimeout(r, 100));
    call.cancel();
    expect((await status).code).toBe(Code.CANCELLED);
    await waitUntil(() => aborted.length > before);
    expect(aborted[before]).toMatchObject({ method: M.hang.path, code: Code.CANCELLED });
  });

  it('server-side CANCELLED status reaches the grpc-js client', async () => {
    const meta = new grpc.Metadata();
    meta.set('x-status', String(Code.CANCELLED));
    meta.set('x-status-message', 'handler gave up');
    const r = await runGrpcJsCall(client, M.bidi, [bytes(1), bytes(2)], meta);
    expect(r.status.code).toBe(Code.CANCELLED);
    expect(r.status.details).toBe('handler gave up');
  });
});

describe('native client → grpc-js server', () => {
  let server: grpc.Server;
  let client: ClientTransport;
  let aborted: string[];
  let deadlines: grpc.Deadline[];

  beforeAll(async () => {
    const s = await startGrpcJsTestServer();
    server = s.server;
    aborted = s.aborted;
    deadlines = s.deadlines;
    client = createGrpcClient({ address: `127.0.0.1:${s.port}` });
  });
  afterAll(async () => {
    await client.close();
    server.forceShutdown();
  });

  const md = (): Metadata => Metadata.from({ 'x-text': 'hello', 'x-multi': ['a', 'b'], 'x-data-bin': new Uint8Array([0, 1, 254, 255]) });

  it('unary: message, headers, -bin metadata and trailers round trip', async () => {
    const r = await runCall(client, M.unary, [bytes(1, 2, 3)], { metadata: md() });
    expect(r.status.code).toBe(Code.OK);
    expect(r.messages).toEqual([bytes(1, 2, 3)]);
    expect(r.headers?.getAll('x-text')).toEqual(['hello']);
    // grpc-js sends repeated text values joined with ", ".
    expect(r.headers?.getAll('x-multi')).toEqual(['a, b']);
    expect(Buffer.from(r.headers?.get('x-data-bin') as Uint8Array)).toEqual(bytes(0, 1, 254, 255));
    expect(r.status.trailers.getText('x-trailer')).toBe('yes');
    expect(Buffer.from(r.status.trailers.get('x-trailer-bin') as Uint8Array)).toEqual(bytes(1, 2, 3));
  });

  it('server-streaming, client-streaming and bidi', async () => {
    const meta = md().set('x-count', '4');
    const ss = await runCall(client, M.serverStream, [bytes(7)], { metadata: meta });
    expect(ss.messages).toEqual([0, 1, 2, 3].map((i) => bytes(7, i)));
    const cs = await runCall(client, M.clientStream, [bytes(1), bytes(1, 2)], { metadata: md() });
    expect(cs.messages.map(String)).toEqual(['2:1,2']);
    const many = Array.from({ length: 500 }, (_v, i) => Buffer.alloc(1 + (i % 300), i % 256));
    const bidi = await runCall(client, M.bidi, many, { metadata: md() });
    expect(bidi.status.code).toBe(Code.OK);
    expect(bidi.messages).toEqual(many);
  });

  it('an error status carries message and details', async () => {
    const meta = Metadata.from({
      'x-status': String(Code.ABORTED),
      'x-status-message-bin': Buffer.from('conflict: 50% ✗'),
      'x-status-details-bin': new Uint8Array([4, 5]),
    });
    const r = await runCall(client, M.unary, [bytes(1)], { metadata: meta });
    expect(r.status.code).toBe(Code.ABORTED);
    expect(r.status.message).toBe('conflict: 50% ✗');
    expect(Buffer.from(r.status.details ?? [])).toEqual(bytes(4, 5));
  });

  it('Trailers-Only from grpc-js (unknown method) → UNIMPLEMENTED', async () => {
    const r = await runCall(client, { path: '/test.Echo/Nope', kind: 'unary' }, [bytes(1)]);
    expect(r.status.code).toBe(Code.UNIMPLEMENTED);
    expect(r.headers).toBeUndefined();
  });

  it('deadline: DEADLINE_EXCEEDED, and grpc-js sees the call cancelled', async () => {
    const before = aborted.length;
    const deadline = Date.now() + 200;
    const r = await runCall(client, M.hang, [bytes(1)], { deadline, halfClose: false });
    expect(r.status.code).toBe(Code.DEADLINE_EXCEEDED);
    // Our grpc-timeout became grpc-js's deadline.
    expect(Math.abs(Number(deadlines.at(-1)) - deadline)).toBeLessThan(100);
    await waitUntil(() => aborted.length > before);
  });

  it('cancel() and AbortSignal both cancel the call at the grpc-js server', async () => {
    for (const how of ['cancel', 'signal'] as const) {
      const before = aborted.length;
      const ac = new AbortController();
      const call = client.start(M.hang, { signal: ac.signal });
      const status = new Promise<Code>((resolve) => call.listen({ onMessage() {}, onStatus: (s) => resolve(s.code) }));
      call.write(bytes(1));
      await new Promise((r) => setTimeout(r, 100));
      if (how === 'cancel') call.cancel('test');
      else ac.abort();
      expect(await status).toBe(Code.CANCELLED);
      await waitUntil(() => aborted.length > before);
    }
  });

  it('a grpc-js server ending with CANCELLED reaches the native client', async () => {
    const meta = Metadata.from({ 'x-status': String(Code.CANCELLED), 'x-status-message': 'bye' });
    const r = await runCall(client, M.bidi, [bytes(1)], { metadata: meta });
    expect(r.status.code).toBe(Code.CANCELLED);
    expect(r.status.message).toBe('bye');
  });
});
