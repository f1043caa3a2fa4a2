/**
 * The shared call-shape suite: the same tests for every transport (and, later, for the
 * proxy in each client/upstream combination), written against the transport interface
 * only. Each implementation runs it with its own {@link TransportHarness}:
 *
 *     runCallShapeSuite(wsNodeHarness);
 *
 * Network failures go through a real TCP relay (`test/helpers/tcp-relay.ts`) placed between
 * the harness's client and server address, so no harness needs to fake a socket.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_CODES, Code } from '../../src/errors.js';
import { loadProto, type MethodDescriptor, type ProtoSchema } from '../../src/schema/load.js';
import { Metadata } from '../../src/transport/metadata.js';
import type { CallHandler, ClientTransport } from '../../src/transport/transport.js';
import { callWith, collect, eventually } from '../helpers/calls.js';
import type { RunningServer, TransportHarness } from '../helpers/transport-harness.js';
import { createScenarioService, decodeText, encodeText, type Observation } from './scenario-service.js';
import { registerFailureTests } from './call-shapes-failures.js';

/** Tuning for one implementation. */
export interface CallShapeSuiteOptions {
  /**
   * Most bytes a writer may get accepted while its reader is stalled, summed over every
   * buffer on the way (windows, socket buffers, proxies). Default 16 MiB.
   */
  memoryBoundBytes?: number;
}

/** The chat `.proto` every test uses. */
export const CHAT_PROTO = path.resolve(import.meta.dirname, '../../playbooks/chat/chat.proto');

/** Limits of the suite's main server and client. */
export const SERVER_MAX_MESSAGE_BYTES = 64 * 1024;
export const CLIENT_MAX_MESSAGE_BYTES = 96 * 1024;

/** What the test files share. */
export interface SuiteContext {
  harness: TransportHarness;
  schema: ProtoSchema;
  observations: Map<string, Observation>;
  /** The scenario handler (for tests that start their own server). */
  handler: CallHandler;
  server: RunningServer;
  client: ClientTransport;
  m: { unary: MethodDescriptor; serverStream: MethodDescriptor; clientStream: MethodDescriptor; bidi: MethodDescriptor };
  /** A fresh test id. */
  id(): string;
  /** Request metadata for a scenario. */
  md(testId: string, scenario?: string, extra?: Record<string, string | Uint8Array>): Metadata;
  /** Encodes a request for a method. */
  req(method: MethodDescriptor, text: string): Uint8Array;
  /** Decodes a response of a method. */
  res(method: MethodDescriptor, bytes: Uint8Array): string;
  /** The observation of a test id, once the server has it. */
  observed(testId: string): Promise<Observation>;
}

/** Registers the whole suite for one harness. */
export function runCallShapeSuite(harness: TransportHarness, options: CallShapeSuiteOptions = {}): void {
  const ctx = {} as SuiteContext;
  let counter = 0;
  describe(`call shapes over ${harness.name}`, () => {
    beforeAll(async () => {
      const schema = await loadProto(CHAT_PROTO);
      const service = createScenarioService(schema);
      const method = (name: string): MethodDescriptor => schema.methods.get(`/chat.ChatService/${name}`)!;
      Object.assign(ctx, {
        harness,
        schema,
        observations: service.observations,
        handler: service.handler,
        m: { unary: method('SendMessage'), serverStream: method('History'), clientStream: method('UploadBatch'), bidi: method('ExchangeMessages') },
        id: () => `${harness.name}-${++counter}`,
        md: (testId: string, scenario = 'echo', extra: Record<string, string | Uint8Array> = {}) => Metadata.from({ 'x-test-id': testId, 'x-scenario': scenario, ...extra }),
        req: (method: MethodDescriptor, text: string) => encodeText(method.requestType, text),
        res: (method: MethodDescriptor, bytes: Uint8Array) => decodeText(method.responseType, bytes),
        observed: async (testId: string) => {
          await eventually(() => service.observations.has(testId), `the server to see call ${testId}`);
          return service.observations.get(testId)!;
        },
      } satisfies Omit<SuiteContext, 'server' | 'client'>);
      ctx.server = await harness.startServer({ methods: schema.methods.values(), handler: service.handler, maxMessageBytes: SERVER_MAX_MESSAGE_BYTES });
      ctx.client = harness.createClient(ctx.server.address, { maxMessageBytes: CLIENT_MAX_MESSAGE_BYTES });
    });
    afterAll(async () => {
      await ctx.client?.close();
      await ctx.server?.server.shutdown(1000);
    });

    registerCallKindTests(ctx);
    registerEndingTests(ctx);
    registerFailureTests(ctx, options.memoryBoundBytes ?? 16 * 1024 * 1024);
  });
}

function registerCallKindTests(ctx: SuiteContext): void {
  it('unary: one request, one reply, OK', async () => {
    const id = ctx.id();
    const r = await callWith(ctx.client, ctx.m.unary, [ctx.req(ctx.m.unary, 'hello')], { metadata: ctx.md(id) });
    expect(r.status.code).toBe(Code.OK);
    expect(r.messages.map((b) => ctx.res(ctx.m.unary, b))).toEqual(['hello']);
  });

  it('server-streaming: replies arrive in order, then OK', async () => {
    const id = ctx.id();
    const r = await callWith(ctx.client, ctx.m.serverStream, [ctx.req(ctx.m.serverStream, 'room')], { metadata: ctx.md(id, 'echo', { 'x-count': '5' }) });
    expect(r.status.code).toBe(Code.OK);
    expect(r.messages.map((b) => ctx.res(ctx.m.serverStream, b))).toEqual(['room-0', 'room-1', 'room-2', 'room-3', 'room-4']);
  });

  it('client-streaming: every request reaches the server before half-close; one reply', async () => {
    const id = ctx.id();
    const reqs = ['a', 'b', 'c', 'd'].map((t) => ctx.req(ctx.m.clientStream, t));
    const r = await callWith(ctx.client, ctx.m.clientStream, reqs, { metadata: ctx.md(id) });
    expect(r.status.code).toBe(Code.OK);
    expect(r.messages.map((b) => ctx.res(ctx.m.clientStream, b))).toEqual(['4:a,b,c,d']);
    const obs = await ctx.observed(id);
    expect(obs.received).toEqual(['a', 'b', 'c', 'd']);
    expect(obs.halfClosedAfter).toBe(4);
  });

  it('bidi: ping-pong, then the client half-closes and the server ends OK', async () => {
    const id = ctx.id();
    const call = ctx.client.start(ctx.m.bidi, { metadata: ctx.md(id) });
    const got: string[] = [];
    let next: (() => void) | undefined;
    const done = collect(call, (m) => (got.push(ctx.res(ctx.m.bidi, m)), next?.()));
    for (let i = 0; i < 5; i++) {
      const arrived = new Promise<void>((resolve) => (next = resolve));
      call.write(ctx.req(ctx.m.bidi, `m${i}`));
      await arrived;
    }
    call.halfClose();
    const r = await done;
    expect(r.status.code).toBe(Code.OK);
    expect(got).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
  });

  it('half-close: the server keeps sending after the client half-closed', async () => {
    const id = ctx.id();
    const r = await callWith(ctx.client, ctx.m.bidi, [ctx.req(ctx.m.bidi, 'x')], { metadata: ctx.md(id, 'after-half-close') });
    expect(r.status.code).toBe(Code.OK);
    expect(r.messages.map((b) => ctx.res(ctx.m.bidi, b))).toEqual(['after-0', 'after-1', 'after-2']);
    expect((await ctx.observed(id)).halfClosedAfter).toBe(1);
  });

  it('metadata and trailers round trip, text, repeated and binary keys', async () => {
    const id = ctx.id();
    const all = new Uint8Array(256).map((_, i) => i);
    // Text values stay printable ASCII: that is all gRPC allows in metadata.
    const md = ctx.md(id).add('x-echo-text', 'hello world; a=1, b="2"').add('x-echo-multi', 'one').add('x-echo-multi', 'two').add('x-echo-data-bin', all).add('x-echo-empty-bin', new Uint8Array(0));
    const r = await callWith(ctx.client, ctx.m.unary, [ctx.req(ctx.m.unary, 'md')], { metadata: md });
    expect(r.status.code).toBe(Code.OK);
    for (const got of [r.headers!, r.status.trailers]) {
      expect(got.getText('x-echo-text')).toBe('hello world; a=1, b="2"');
      // HTTP/2 may join repeated values with ", " (equivalent by RFC 9110 §5.3).
      expect(got.getAll('x-echo-multi').join(', ')).toBe('one, two');
      expect(Array.from(got.get('x-echo-data-bin') as Uint8Array)).toEqual(Array.from(all));
      expect((got.get('x-echo-empty-bin') as Uint8Array).byteLength).toBe(0);
    }
    expect(r.status.trailers.getText('x-trailer')).toBe('done');
  });

  it('100 concurrent calls on one client all complete', async () => {
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) => {
        const reqs = [0, 1, 2].map((j) => ctx.req(ctx.m.bidi, `c${i}-${j}`));
        return callWith(ctx.client, ctx.m.bidi, reqs, { metadata: ctx.md(ctx.id()) });
      }),
    );
    results.forEach((r, i) => {
      expect(r.status.code).toBe(Code.OK);
      expect(r.messages.map((b) => ctx.res(ctx.m.bidi, b))).toEqual([0, 1, 2].map((j) => `c${i}-${j}`));
    });
  });
}

function registerEndingTests(ctx: SuiteContext): void {
  it('every status code arrives with its message, details and trailers', async () => {
    for (const code of ALL_CODES) {
      const id = ctx.id();
      const details = new Uint8Array([code, 0, 255, 7]);
      const r = await callWith(ctx.client, ctx.m.unary, [ctx.req(ctx.m.unary, `message for ${code} ✓ (ünïcode)`)], {
        metadata: ctx.md(id, 'status', { 'x-code': String(code), 'x-details-bin': details }),
      });
      expect(r.status.code, `code ${code}`).toBe(code);
      expect(r.status.trailers.getText('x-trailer'), `trailers of code ${code}`).toBe('done');
      if (code === Code.OK) continue;
      expect(r.status.message).toBe(`message for ${code} ✓ (ünïcode)`);
      expect(Array.from(r.status.details ?? []), `details of code ${code}`).toEqual(Array.from(details));
    }
  });

  it('unknown method: UNIMPLEMENTED', async () => {
    const r = await callWith(ctx.client, { path: '/chat.ChatService/NoSuchMethod', kind: 'unary' }, [ctx.req(ctx.m.unary, 'x')]);
    expect(r.status.code).toBe(Code.UNIMPLEMENTED);
  });

  it('deadline exceeded: DEADLINE_EXCEEDED on the client, and the handler is aborted with it', async () => {
    const id = ctx.id();
    const r = await callWith(ctx.client, ctx.m.unary, [ctx.req(ctx.m.unary, 'slow')], { metadata: ctx.md(id, 'hang'), deadline: Date.now() + 200 });
    expect(r.status.code).toBe(Code.DEADLINE_EXCEEDED);
    const obs = await ctx.observed(id);
    await eventually(() => obs.aborted !== undefined, 'the handler to be aborted');
    expect(obs.aborted!.code).toBe(Code.DEADLINE_EXCEEDED);
  });

  it('cancel from the client (cancel()): CANCELLED on both ends', async () => {
    const id = ctx.id();
    const call = ctx.client.start(ctx.m.bidi, { metadata: ctx.md(id, 'hang') });
    const done = collect(call);
    call.write(ctx.req(ctx.m.bidi, 'first'));
    const obs = await ctx.observed(id);
    await eventually(() => obs.received.length === 1, 'the request to arrive');
    call.cancel('user gave up');
    expect((await done).status.code).toBe(Code.CANCELLED);
    await eventually(() => obs.aborted !== undefined, 'the handler to be aborted');
    expect(obs.aborted!.code).toBe(Code.CANCELLED);
  });

  it('cancel from the client (AbortSignal): CANCELLED on both ends', async () => {
    const id = ctx.id();
    const ac = new AbortController();
    const call = ctx.client.start(ctx.m.serverStream, { metadata: ctx.md(id, 'hang'), signal: ac.signal });
    const done = collect(call);
    call.write(ctx.req(ctx.m.serverStream, 'first'));
    call.halfClose();
    const obs = await ctx.observed(id);
    await eventually(() => obs.halfClosedAfter === 1, 'the half-close to arrive');
    ac.abort();
    expect((await done).status.code).toBe(Code.CANCELLED);
    await eventually(() => obs.aborted !== undefined, 'the handler to be aborted');
    expect(obs.aborted!.code).toBe(Code.CANCELLED);
  });

  it('cancel from the server: the client sees CANCELLED with the server message', async () => {
    const id = ctx.id();
    const call = ctx.client.start(ctx.m.bidi, { metadata: ctx.md(id, 'server-cancel') });
    const done = collect(call);
    call.write(ctx.req(ctx.m.bidi, 'go'));
    const r = await done;
    expect(r.status.code).toBe(Code.CANCELLED);
    expect(r.status.message).toContain('cancelled by the server');
    expect(call.write(ctx.req(ctx.m.bidi, 'late'))).toBe(false);
  });

  it('oversized request: RESOURCE_EXHAUSTED', async () => {
    const big = ctx.req(ctx.m.unary, 'x'.repeat(SERVER_MAX_MESSAGE_BYTES + 1000));
    const r = await callWith(ctx.client, ctx.m.unary, [big], { metadata: ctx.md(ctx.id()) });
    expect(r.status.code).toBe(Code.RESOURCE_EXHAUSTED);
  });

  it('oversized response (over the server limit): RESOURCE_EXHAUSTED', async () => {
    const r = await callWith(ctx.client, ctx.m.unary, [ctx.req(ctx.m.unary, 'x')], { metadata: ctx.md(ctx.id(), 'big', { 'x-size': String(SERVER_MAX_MESSAGE_BYTES + 1000) }) });
    expect(r.status.code).toBe(Code.RESOURCE_EXHAUSTED);
  });

  it('oversized response (over the client limit): RESOURCE_EXHAUSTED', async () => {
    const small = ctx.harness.createClient(ctx.server.address, { maxMessageBytes: 16 * 1024 });
    try {
      const r = await callWith(small, ctx.m.unary, [ctx.req(ctx.m.unary, 'x')], { metadata: ctx.md(ctx.id(), 'big', { 'x-size': String(24 * 1024) }) });
      expect(r.status.code).toBe(Code.RESOURCE_EXHAUSTED);
    } finally {
      await small.close();
    }
  });
}
