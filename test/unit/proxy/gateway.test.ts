import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { Code } from '../../../src/errors.js';
import { createGateway, type FinishedCall } from '../../../src/proxy/gateway.js';
import type { ProxyMethod } from '../../../src/proxy/methods.js';
import { SplitTable } from '../../../src/proxy/split-table.js';
import { createShadower, type ShadowResult } from '../../../src/proxy/shadow.js';
import { encodeMessage } from '../../../src/schema/codec.js';
import { Metadata } from '../../../src/transport/metadata.js';
import { okStatus, status } from '../../../src/transport/status.js';
import type { CallHandler, ServerCall } from '../../../src/transport/transport.js';
import { EXCHANGE, methodTable, SEND } from './fixtures.js';
import { collect, MemoryChannel, memoryCall } from './memory-transport.js';
import type { ProxyConfigInput } from '../../../src/proxy/config.js';

/** An upstream that echoes every message, tags headers/trailers with its name, and remembers its calls. */
function echo(name: string, seen: ServerCall[] = []): CallHandler {
  return (call) => {
    seen.push(call);
    call.sendHeaders(Metadata.from({ 'x-upstream': name }));
    call.listen({
      onMessage: (m) => call.write(m),
      onHalfClose: () => call.end(okStatus(Metadata.from({ 'x-served-by': name, 'x-bin': new Uint8Array([0, 255]) }))),
    });
  };
}

async function setup(config: Partial<ProxyConfigInput> = {}, extra: { drainGraceMs?: number } = {}) {
  const methods = await methodTable(config);
  const splits = new SplitTable([...methods.values()], {});
  const legacySeen: ServerCall[] = [];
  const nextSeen: ServerCall[] = [];
  const upstreams = { legacy: new MemoryChannel(echo('legacy', legacySeen)), next: new MemoryChannel(echo('next', nextSeen)) };
  const finished: FinishedCall[] = [];
  const shadowResults: ShadowResult[] = [];
  const shadower = createShadower({ upstreams, maxBufferedBytes: 1 << 20, onResult: (r) => shadowResults.push(r) });
  const gateway = createGateway({
    methods,
    splits,
    upstreams,
    overrideHeader: 'x-switchyard-route',
    drainGraceMs: extra.drainGraceMs ?? null,
    onFinished: (f) => finished.push(f),
    tapFor: (c) => shadower.tapFor(c),
  });
  const m = (p: string): ProxyMethod => methods.get(p)!;
  return { gateway, splits, upstreams, legacySeen, nextSeen, finished, shadowResults, m };
}

const bytes = (...b: number[]) => new Uint8Array(b);

describe('gateway forwarding', () => {
  it('carries bytes, metadata (with -bin), headers, status, trailers and details unchanged; new span id', async () => {
    const { gateway, legacySeen, finished } = await setup();
    const md = Metadata.from({ 'x-a': ['1', '2'], 'x-b-bin': bytes(1, 2, 3), traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' });
    const c = memoryCall(gateway.handler, { path: SEND, kind: 'unary' }, { metadata: md, deadline: Date.now() + 60_000 });
    const r = collect(c);
    c.write(bytes(10, 20, 30));
    c.halfClose();
    const s = await r.status;
    expect(s.code).toBe(Code.OK);
    expect(r.messages).toEqual([bytes(10, 20, 30)]);
    expect(r.headers[0]!.getText('x-upstream')).toBe('legacy');
    expect(s.trailers.getText('x-served-by')).toBe('legacy');
    expect(s.trailers.get('x-bin')).toEqual(bytes(0, 255));
    const up = legacySeen[0]!;
    expect(up.metadata.getAll('x-a')).toEqual(['1', '2']);
    expect(up.metadata.get('x-b-bin')).toEqual(bytes(1, 2, 3));
    expect(up.metadata.getText('traceparent')).toMatch(/^00-4bf92f3577b34da6a3ce929d0e0e4736-(?!00f067aa0ba902b7)[0-9a-f]{16}-01$/);
    expect(up.deadline).toBe(c && up.deadline);
    expect(finished).toMatchObject([{ upstream: 'legacy', status: { code: Code.OK } }]);
  });

  it('passes an error status with message and details', async () => {
    const { gateway, upstreams } = await setup();
    upstreams.legacy.handler = (call) => call.end(status(Code.FAILED_PRECONDITION, 'nope', Metadata.from({ t: 'x' }), bytes(9, 9)));
    const c = memoryCall(gateway.handler, { path: SEND, kind: 'unary' });
    const r = collect(c);
    c.write(bytes(1));
    c.halfClose();
    expect(await r.status).toMatchObject({ code: Code.FAILED_PRECONDITION, message: 'nope', details: bytes(9, 9) });
  });

  it('backpressure: a stalled upstream reader pauses the client; nothing is lost after it resumes', async () => {
    const { gateway, upstreams } = await setup();
    let upCall: ServerCall | undefined;
    const got: number[] = [];
    upstreams.legacy.handler = (call) => {
      upCall = call;
      call.pause();
      call.listen({ onMessage: (m) => got.push(m[0]!), onHalfClose: () => call.end(okStatus()) });
    };
    const c = memoryCall(gateway.handler, { path: EXCHANGE, kind: 'bidi' });
    const r = collect(c);
    let refused = 0;
    let drains = 0;
    c.listen({ onMessage: () => undefined, onStatus: () => undefined, onDrain: () => drains++ });
    for (let i = 0; i < 200; i++) if (!c.write(new Uint8Array(100).fill(i))) refused++;
    await new Promise((res) => setTimeout(res, 20));
    expect(refused).toBeGreaterThan(0); // the client saw the window close
    upCall!.resume();
    c.halfClose();
    await new Promise((res) => setTimeout(res, 20));
    expect(got).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect(drains).toBeGreaterThan(0);
    void r;
  });

  it('cancel from the client reaches the upstream handler; cancel from upstream reaches the client', async () => {
    const { gateway, legacySeen, upstreams } = await setup();
    const c = memoryCall(gateway.handler, { path: EXCHANGE, kind: 'bidi' });
    const r = collect(c);
    c.write(bytes(1));
    await new Promise((res) => setTimeout(res, 5));
    c.cancel();
    await r.status;
    await new Promise((res) => setTimeout(res, 5));
    expect(legacySeen[0]!.signal.aborted).toBe(true);
    expect((legacySeen[0]!.signal.reason as { code: Code }).code).toBe(Code.CANCELLED);

    upstreams.legacy.handler = (call) => call.end(status(Code.CANCELLED, 'handler gave up'));
    const c2 = memoryCall(gateway.handler, { path: EXCHANGE, kind: 'bidi' });
    const r2 = collect(c2);
    expect(await r2.status).toMatchObject({ code: Code.CANCELLED, message: 'handler gave up' });
  });

  it('an upstream that is down ends the call UNAVAILABLE, counted as an error of that upstream', async () => {
    const { gateway, upstreams, finished } = await setup();
    upstreams.legacy.down = true;
    const c = memoryCall(gateway.handler, { path: SEND, kind: 'unary' });
    const r = collect(c);
    c.write(bytes(1));
    c.halfClose();
    expect((await r.status).code).toBe(Code.UNAVAILABLE);
    expect(finished[0]).toMatchObject({ upstream: 'legacy', status: { code: Code.UNAVAILABLE } });
  });
});

describe('gateway routing', () => {
  it('follows the split, the override header, and a sticky field of the first message', async () => {
    const { gateway, splits, upstreams, m } = await setup({ routing: { sticky: { metadata: 'x-user', field: 'sender' } } });
    const run = async (md: Record<string, string>, body?: Uint8Array) => {
      const c = memoryCall(gateway.handler, { path: SEND, kind: 'unary' }, { metadata: Metadata.from(md) });
      const r = collect(c);
      c.write(body ?? bytes());
      c.halfClose();
      await r.status;
      return r.headers[0]!.getText('x-upstream');
    };
    expect(await run({})).toBe('legacy');
    splits.setLocal('class:default', 10_000);
    expect(await run({})).toBe('next');
    expect(await run({ 'x-switchyard-route': 'legacy' })).toBe('legacy');
    splits.setLocal('class:default', 5_000);
    const type = m(SEND).requestType;
    const results = new Set<string | undefined>();
    for (let i = 0; i < 5; i++) results.add(await run({}, encodeMessage(type, { sender: 'alice', content: `m${i}` })));
    expect(results.size).toBe(1); // sticky by field
    const byMd = new Set<string | undefined>();
    for (let i = 0; i < 5; i++) byMd.add(await run({ 'x-user': 'bob' }, encodeMessage(type, { sender: `s${i}` })));
    expect(byMd.size).toBe(1); // metadata key first
    expect(upstreams.legacy.started + upstreams.next.started).toBe(13);
  });

  it('drain: after a split change, streams on the old route end UNAVAILABLE after the grace; others stay', async () => {
    const { gateway, splits } = await setup({}, { drainGraceMs: 30 });
    const open = Array.from({ length: 20 }, () => {
      const c = memoryCall(gateway.handler, { path: EXCHANGE, kind: 'bidi' });
      c.write(bytes(1));
      return collect(c);
    });
    await new Promise((res) => setTimeout(res, 10));
    expect(gateway.openCalls('legacy')).toBe(20);
    splits.setLocal('class:default', 10_000);
    gateway.splitsChanged();
    const statuses = await Promise.all(open.map((o) => o.status));
    expect(statuses.every((s) => s.code === Code.UNAVAILABLE && /split changed.*retry/.test(s.message))).toBe(true);
    expect(gateway.openCalls('legacy')).toBe(0);
  });
});

describe('gateway shadow', () => {
  it('finds a planted difference, honours ignore rules, and never delays the primary', async () => {
    const { gateway, upstreams, shadowResults, m } = await setup({ shadow: { sampleRate: 1, ignoreFields: ['sent_at'], timeoutMs: 200 }, methods: { reads: [SEND] } });
    const reply = m(SEND).responseType;
    let delayNext = 0;
    const answer = (name: string, id: string, sec: number): CallHandler => (call) =>
      call.listen({
        onMessage: () => undefined,
        onHalfClose: () => {
          const send = () => {
            call.write(encodeMessage(reply, { id, sentAt: new Date(sec * 1000).toISOString() }));
            call.end(okStatus());
          };
          if (name === 'next' && delayNext) setTimeout(send, delayNext);
          else send();
        },
      });
    upstreams.legacy.handler = answer('legacy', 'id-1', 1);
    upstreams.next.handler = answer('next', 'id-2', 2);
    const run = async () => {
      const c = memoryCall(gateway.handler, { path: SEND, kind: 'unary' });
      const r = collect(c);
      c.write(bytes());
      c.halfClose();
      const t0 = performance.now();
      await r.status;
      return performance.now() - t0;
    };
    await run();
    await new Promise((res) => setTimeout(res, 10));
    expect(shadowResults).toHaveLength(1);
    expect(shadowResults[0]!.outcome).toEqual({ t: 'mismatch', diff: [{ path: 'id', primary: 'id-1', shadow: 'id-2' }], discounted: 0 });
    // Same answer apart from the ignored timestamp: a match.
    upstreams.next.handler = answer('next', 'id-1', 3);
    await run();
    await new Promise((res) => setTimeout(res, 10));
    expect(shadowResults[1]!.outcome).toEqual({ t: 'match', discounted: 0 });
    // A shadow slower than its timeout: the primary is as fast as ever, the shadow is dropped.
    delayNext = 500;
    const ms = await run();
    expect(ms).toBeLessThan(200);
    await new Promise((res) => setTimeout(res, 300));
    expect(shadowResults[2]!.outcome).toEqual({ t: 'dropped', reason: 'timeout' });
  });
});

describe('gateway shadow noise filter', () => {
  it('discounts differences legacy shows against itself and keeps the real one', async () => {
    const { gateway, upstreams, shadowResults, m } = await setup({ methods: { reads: [SEND] }, shadow: { sampleRate: 1, noiseFilter: true } });
    const reply = m(SEND).responseType;
    let n = 0;
    const answer = (idOf: () => string): CallHandler => (call) =>
      call.listen({ onMessage: () => undefined, onHalfClose: () => (call.write(encodeMessage(reply, { id: idOf(), sentAt: '2026-01-01T00:00:00Z' })), call.end(okStatus())) });
    upstreams.legacy.handler = answer(() => `legacy-${n++}`); // a generated id: differs on every call
    upstreams.next.handler = answer(() => 'next');
    const c = memoryCall(gateway.handler, { path: SEND, kind: 'unary' });
    const r = collect(c);
    c.write(bytes());
    c.halfClose();
    await r.status;
    await new Promise((res) => setTimeout(res, 20));
    expect(upstreams.legacy.started).toBe(2); // the primary and the second legacy call
    expect(shadowResults[0]!.outcome).toEqual({ t: 'match', discounted: 1 });
    // A difference legacy does not show against itself stays.
    const SendReplyDiff: CallHandler = (call) =>
      call.listen({ onMessage: () => undefined, onHalfClose: () => (call.write(encodeMessage(reply, { id: 'same', sentAt: '2030-01-01T00:00:00Z' })), call.end(okStatus())) });
    upstreams.legacy.handler = answer(() => 'same');
    upstreams.next.handler = SendReplyDiff;
    const c2 = memoryCall(gateway.handler, { path: SEND, kind: 'unary' });
    const r2 = collect(c2);
    c2.write(bytes());
    c2.halfClose();
    await r2.status;
    await new Promise((res) => setTimeout(res, 20));
    expect(shadowResults[1]!.outcome).toMatchObject({ t: 'mismatch', diff: [{ path: 'sentAt', primary: '2026-01-01T00:00:00Z', shadow: '2030-01-01T00:00:00Z' }], discounted: 0 });
  });
});

describe('gateway logs', () => {
  it('one line per call at debug, one per failed call at warn', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const logger = pino({ level: 'debug' }, { write: (l: string) => lines.push(JSON.parse(l) as Record<string, unknown>) });
    const methods = await methodTable();
    const upstreams = { legacy: new MemoryChannel(echo('legacy')), next: new MemoryChannel(echo('next')) };
    upstreams.next.down = true;
    const gateway = createGateway({ methods, splits: new SplitTable([...methods.values()], {}), upstreams, overrideHeader: 'x-switchyard-route', drainGraceMs: null, logger });
    for (const route of ['legacy', 'next']) {
      const c = memoryCall(gateway.handler, { path: SEND, kind: 'unary' }, { metadata: Metadata.from({ 'x-switchyard-route': route }) });
      const r = collect(c);
      c.write(bytes(1));
      c.halfClose();
      await r.status;
    }
    expect(lines.filter((l) => l['msg'] === 'call').map((l) => [l['level'], l['method'], l['upstream'], l['code'], l['route']])).toEqual([
      [20, SEND, 'legacy', 'OK', 'override'],
      [20, SEND, 'next', 'UNAVAILABLE: connection refused', 'override'],
    ]);
    expect(lines.filter((l) => l['msg'] === 'call failed')).toMatchObject([{ level: 40, method: SEND, upstream: 'next', id: 'PROXY_UPSTREAM_UNAVAILABLE' }]);
  });
});

