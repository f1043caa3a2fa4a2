/**
 * The shared suite's failure tests: backpressure against a stalled reader, heartbeats
 * against a frozen peer, reconnect with backoff, and graceful shutdown. Network failures go
 * through a real TCP relay.
 */
import { expect, it } from 'vitest';
import { Code } from '../../src/errors.js';
import type { ConnectionState } from '../../src/transport/lifecycle.js';
import type { ClientCall } from '../../src/transport/transport.js';
import { callWith, collect, eventually, recordStates, sleep, waitForState, type CallResult } from '../helpers/calls.js';
import { startTcpRelay } from '../helpers/tcp-relay.js';
import type { SuiteContext } from './call-shapes.js';

const FAST_HEARTBEAT = { intervalMs: 100, timeoutMs: 300 };
const BACKOFF = { initialMs: 40, maxMs: 160, multiplier: 2 };

/** Registers the failure tests (inside the suite's describe). */
export function registerFailureTests(ctx: SuiteContext, memoryBoundBytes: number): void {
  it('stalled client reader, fast server writer: the writer is held back within the memory bound', async () => {
    const id = ctx.id();
    const total = memoryBoundBytes * 2;
    const call = ctx.client.start(ctx.m.serverStream, { metadata: ctx.md(id, 'flood', { 'x-size': '1024', 'x-total': String(total) }) });
    call.pause();
    let receivedBytes = 0;
    const done = collect(call, (m) => (receivedBytes += m.byteLength));
    call.write(ctx.req(ctx.m.serverStream, 'flood'));
    call.halfClose();
    const obs = await ctx.observed(id);
    await eventually(() => obs.blockedWrites > 0, 'the server writer to be told to wait');
    const held = await steadyValue(() => obs.writtenBytes);
    expect(held).toBeLessThan(memoryBoundBytes);
    call.resume();
    const r = await done;
    expect(r.status.code).toBe(Code.OK);
    expect(receivedBytes).toBe(obs.writtenBytes);
    expect(obs.writtenBytes).toBeGreaterThanOrEqual(total);
  });

  it('stalled server reader, fast client writer: the writer is held back within the memory bound', async () => {
    const id = ctx.id();
    const call = ctx.client.start(ctx.m.bidi, { metadata: ctx.md(id, 'sink') });
    const chunk = ctx.req(ctx.m.bidi, 'w'.repeat(1024));
    let written = 0;
    let limit = memoryBoundBytes * 2;
    let blocked = 0;
    const pump = (): void => {
      while (written < limit) {
        written += chunk.byteLength;
        if (!call.write(chunk)) return void blocked++;
      }
      call.halfClose();
    };
    const done = listenWithDrain(call, pump);
    pump();
    await eventually(() => blocked > 0, 'the client writer to be told to wait');
    const held = await steadyValue(() => written);
    expect(held).toBeLessThan(memoryBoundBytes);
    limit = held + 1024 * 1024;
    const obs = await ctx.observed(id);
    obs.call.resume();
    const r = await done;
    expect(r.status.code).toBe(Code.OK);
    expect(obs.receivedBytes).toBe(written);
  });

  it('heartbeat: a frozen peer is detected; the call ends UNAVAILABLE and the handler is aborted', async () => {
    const server = await ctx.harness.startServer({ methods: ctx.schema.methods.values(), handler: ctx.handler, heartbeat: FAST_HEARTBEAT });
    const relay = await startTcpRelay(server.address);
    const client = ctx.harness.createClient(relay.address, { heartbeat: FAST_HEARTBEAT, backoff: BACKOFF });
    try {
      const id = ctx.id();
      const call = client.start(ctx.m.bidi, { metadata: ctx.md(id, 'hang') });
      const done = collect(call);
      call.write(ctx.req(ctx.m.bidi, 'hi'));
      const obs = await ctx.observed(id);
      await eventually(() => obs.received.length === 1, 'the request to arrive');
      relay.freeze();
      const r = await done;
      expect(r.status.code).toBe(Code.UNAVAILABLE);
      await eventually(() => obs.aborted !== undefined, 'the handler to be aborted');
      expect([Code.UNAVAILABLE, Code.CANCELLED]).toContain(obs.aborted!.code);
    } finally {
      await client.close();
      await relay.close();
      await server.server.shutdown(200);
    }
  });

  it('reconnect: in-flight calls end UNAVAILABLE, new calls fail fast, retries back off with full jitter, then recover', async () => {
    const relay = await startTcpRelay(ctx.server.address);
    const client = ctx.harness.createClient(relay.address, { heartbeat: FAST_HEARTBEAT, backoff: BACKOFF });
    try {
      await client.connect();
      const states = recordStates(client);
      const id = ctx.id();
      const call = client.start(ctx.m.bidi, { metadata: ctx.md(id, 'hang') });
      const done = collect(call);
      call.write(ctx.req(ctx.m.bidi, 'hi'));
      await eventually(() => (ctx.observations.get(id)?.received.length ?? 0) === 1, 'the request to arrive');
      relay.refuse(true);
      relay.dropAll();
      expect((await done).status.code).toBe(Code.UNAVAILABLE);
      const failures = (): Array<Extract<ConnectionState, { t: 'transient-failure' }>> => states.filter((s): s is Extract<ConnectionState, { t: 'transient-failure' }> => s.t === 'transient-failure');
      await eventually(() => failures().length >= 4, 'four failed attempts');
      const early = await callWith(client, ctx.m.unary, [ctx.req(ctx.m.unary, 'x')]);
      expect(early.status.code).toBe(Code.UNAVAILABLE);
      failures().forEach((f, k) => {
        expect(f.retryInMs).toBeGreaterThanOrEqual(0);
        expect(f.retryInMs, `retry delay ${k}`).toBeLessThan(Math.min(BACKOFF.maxMs, BACKOFF.initialMs * BACKOFF.multiplier ** k) + 1);
      });
      expect(states.some((s) => s.t === 'connecting')).toBe(true);
      relay.refuse(false);
      await waitForState(client, 'ready');
      const after = await callWith(client, ctx.m.unary, [ctx.req(ctx.m.unary, 'back')], { metadata: ctx.md(ctx.id()) });
      expect(after.status.code).toBe(Code.OK);
      expect(after.messages.map((b) => ctx.res(ctx.m.unary, b))).toEqual(['back']);
    } finally {
      await client.close();
      await relay.close();
    }
  });

  it('graceful shutdown: in-flight calls finish within the grace period, the rest end UNAVAILABLE', async () => {
    const server = await ctx.harness.startServer({ methods: ctx.schema.methods.values(), handler: ctx.handler });
    const client = ctx.harness.createClient(server.address, { backoff: BACKOFF });
    try {
      const quickId = ctx.id();
      const quick = client.start(ctx.m.bidi, { metadata: ctx.md(quickId) });
      let echoed = 0;
      const quickDone = collect(quick, () => echoed++);
      quick.write(ctx.req(ctx.m.bidi, 'q'));
      await eventually(() => echoed === 1, 'the echo');
      const slowId = ctx.id();
      const slow = client.start(ctx.m.bidi, { metadata: ctx.md(slowId, 'hang') });
      const slowDone = collect(slow);
      slow.write(ctx.req(ctx.m.bidi, 's'));
      const slowObs = await ctx.observed(slowId);
      const stopped = server.server.shutdown(600);
      await sleep(100);
      quick.write(ctx.req(ctx.m.bidi, 'still here'));
      await eventually(() => echoed === 2, 'the second echo during the drain');
      quick.halfClose();
      expect((await quickDone).status.code).toBe(Code.OK);
      const refused = await callWith(client, ctx.m.unary, [ctx.req(ctx.m.unary, 'new')]);
      expect(refused.status.code).toBe(Code.UNAVAILABLE);
      await stopped;
      expect((await slowDone).status.code).toBe(Code.UNAVAILABLE);
      await eventually(() => slowObs.aborted !== undefined, 'the slow handler to be aborted');
      expect(server.server.activeCalls).toBe(0);
    } finally {
      await client.close();
      await server.server.shutdown(0);
    }
  });
}

/** Waits until `read()` stops changing (same value 300 ms apart) and returns it. */
async function steadyValue(read: () => number): Promise<number> {
  let last = read();
  for (let i = 0; i < 50; i++) {
    await sleep(300);
    const now = read();
    if (now === last) return now;
    last = now;
  }
  throw new Error(`value kept changing (last ${last})`);
}

function listenWithDrain(call: ClientCall, onDrain: () => void): Promise<CallResult> {
  return new Promise((resolve) => {
    const messages: Uint8Array[] = [];
    call.listen({ onMessage: (m) => messages.push(m), onStatus: (status) => resolve({ headers: undefined, messages, status }), onDrain });
  });
}
