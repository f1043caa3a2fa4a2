/**
 * Relaying runs of messages between engines (src/transport/relay.ts): re-framing between
 * WebSocket frames and gRPC prefixes, the WebSocket reader's runs, the gRPC decoder's runs
 * and the gRPC writer's pre-framed parts.
 */
import { PassThrough } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FrameDecoder, frameMessage } from '../../../src/transport/grpc/framing.js';
import { FrameWriter } from '../../../src/transport/grpc/frame-writer.js';
import { relaySize, relaySpace, writeRunAsGrpc, writeRunAsWsFrames, type MessageRun } from '../../../src/transport/relay.js';
import { decodeFrames } from '../../../src/transport/ws/binary-reader.js';
import { BinaryFrameWriter } from '../../../src/transport/ws/binary-writer.js';
import type { FrameHandler } from '../../../src/transport/ws/frames.js';

const grpcRun = (messages: Uint8Array[]): MessageRun => ({
  framing: 'grpc',
  bytes: Buffer.concat(messages.map((m) => frameMessage(m))),
  count: messages.length,
  maxBytes: Math.max(0, ...messages.map((m) => m.byteLength)),
});

/** The MESSAGE frames of a binary WebSocket message, as [stream id, bytes]. */
function wsMessages(data: Uint8Array): Array<[number, number[]]> {
  const out: Array<[number, number[]]> = [];
  const handler = { onMessage: (id: number, m: Uint8Array) => out.push([id, Array.from(m)]) } as unknown as FrameHandler;
  decodeFrames(data, handler);
  return out;
}

function grpcMessages(chunks: Uint8Array[]): number[][] {
  const out: number[][] = [];
  const d = new FrameDecoder(1 << 20, { onMessage: (m) => out.push(Array.from(m)), onFrameError: (e) => { throw e; } });
  for (const c of chunks) d.push(Buffer.from(c.buffer, c.byteOffset, c.byteLength));
  return out;
}

const messagesArb = fc.array(fc.uint8Array({ maxLength: 300 }), { minLength: 1, maxLength: 40 });

describe('re-framing runs', () => {
  it('gRPC prefixes → WebSocket MESSAGE frames → gRPC prefixes keeps every message, in order (property)', () => {
    fc.assert(
      fc.property(messagesArb, fc.integer({ min: 1, max: 2 ** 32 - 1 }), (messages, streamId) => {
        const run = grpcRun(messages);
        const ws = new Uint8Array(relaySize(run, 'ws') + 3);
        expect(writeRunAsWsFrames(run, streamId, ws, 3)).toBe(ws.length);
        const frames = ws.subarray(3);
        expect(wsMessages(frames)).toEqual(messages.map((m) => [streamId, Array.from(m)]));
        const back: MessageRun = { framing: 'ws', bytes: frames, count: run.count, maxBytes: run.maxBytes };
        const grpc = new Uint8Array(relaySize(back, 'grpc'));
        expect(writeRunAsGrpc(back, grpc, 0)).toBe(grpc.length);
        expect(Buffer.from(grpc)).toEqual(run.bytes);
      }),
    );
  });

  it('WebSocket frames → gRPC prefixes compacts in place when given the run\'s own size, leaving the source alone (property)', () => {
    fc.assert(
      fc.property(messagesArb, fc.integer({ min: 0, max: 7 }), (messages, at) => {
        const run = grpcRun(messages);
        const ws = new Uint8Array(relaySize(run, 'ws'));
        writeRunAsWsFrames(run, 5, ws, 0);
        const before = Array.from(ws);
        const back: MessageRun = { framing: 'ws', bytes: ws, count: run.count, maxBytes: run.maxBytes };
        const out = new Uint8Array(at + relaySpace(back, 'grpc'));
        expect(writeRunAsGrpc(back, out, at)).toBe(at + relaySize(back, 'grpc'));
        expect(Buffer.from(out.subarray(at, at + relaySize(back, 'grpc')))).toEqual(run.bytes);
        expect(Array.from(ws)).toEqual(before);
      }),
    );
  });

  it('WebSocket → WebSocket copies the frames with the stream id rewritten, leaving the source alone', () => {
    const sent: Uint8Array[] = [];
    const src = new BinaryFrameWriter((d) => sent.push(d.slice()));
    for (const m of [[1, 2], [], [3, 4, 5]]) src.message(7, new Uint8Array(m));
    src.flush();
    const before = Array.from(sent[0]!);
    const out: Uint8Array[] = [];
    const target = new BinaryFrameWriter((d) => out.push(d.slice()));
    const cost = target.run(9, { framing: 'ws', bytes: sent[0]!, count: 3, maxBytes: 3 });
    target.flush();
    expect(cost).toBe(sent[0]!.byteLength);
    expect(wsMessages(out[0]!)).toEqual([[9, [1, 2]], [9, []], [9, [3, 4, 5]]]);
    expect(Array.from(sent[0]!)).toEqual(before);
  });
});

describe('runs from the readers', () => {
  it('the WebSocket reader hands consecutive MESSAGE frames of one stream over as one run', () => {
    const sent: Uint8Array[] = [];
    const w = new BinaryFrameWriter((d) => sent.push(d.slice()));
    w.message(1, new Uint8Array(4));
    w.message(1, new Uint8Array(9));
    w.windowUpdate(3, 100);
    w.message(3, new Uint8Array(1));
    w.message(1, new Uint8Array(2));
    w.flush();
    const runs: Array<[number, number, number, number, number]> = [];
    const handler = {
      onMessage: () => expect.unreachable('per-message path used'),
      onMessageRun: (id: number, _d: Uint8Array, from: number, to: number, count: number, maxBytes: number, lastStart: number) => runs.push([id, to - from, count, maxBytes, lastStart - from]),
      onWindowUpdate: () => {},
    } as unknown as FrameHandler;
    decodeFrames(sent[0]!, handler);
    expect(runs).toEqual([
      [1, 14 + 19, 2, 9, 14],
      [3, 11, 1, 1, 0],
      [1, 12, 1, 2, 0],
    ]);
  });

  it('the gRPC decoder offers whole messages as runs and keeps split ones for itself (property)', () => {
    fc.assert(
      fc.property(messagesArb, fc.array(fc.nat(), { maxLength: 6 }), fc.boolean(), (messages, cuts, accept) => {
        const wire = Buffer.concat(messages.map((m) => frameMessage(m)));
        const sorted = [...new Set(cuts.map((c) => c % (wire.length + 1)))].sort((a, b) => a - b);
        const chunks = [0, ...sorted].map((from, i) => wire.subarray(from, sorted[i] ?? wire.length));
        const got: number[][] = [];
        let runs = 0;
        const d = new FrameDecoder(1 << 20, {
          onMessage: (m) => got.push(Array.from(m)),
          onFrameError: (e) => { throw e; },
          runReady: () => true,
          onRun: (chunk, from, to, count) => {
            if (!accept) return false;
            const inRun = grpcMessages([chunk.subarray(from, to)]);
            expect(inRun).toHaveLength(count);
            got.push(...inRun);
            runs++;
            return true;
          },
        });
        for (const c of chunks) d.push(c);
        expect(got).toEqual(messages.map((m) => Array.from(m)));
        expect(d.midMessage).toBe(false);
        if (!accept) expect(runs).toBe(0);
      }),
    );
  });
});

describe('gRPC writer with relayed parts', () => {
  it('writes pre-framed runs and messages in the order queued', async () => {
    const target = new PassThrough();
    const chunks: Buffer[] = [];
    target.on('data', (c: Buffer) => chunks.push(c));
    const w = new FrameWriter(() => {});
    w.attach(target);
    w.write(Buffer.from('a'));
    w.writeRun(grpcRun([Buffer.from('b'), Buffer.alloc(10_000, 7)]));
    w.write(Buffer.alloc(9_000, 8));
    const wsFrames = new Uint8Array(relaySize(grpcRun([Buffer.from('cd')]), 'ws'));
    writeRunAsWsFrames(grpcRun([Buffer.from('cd')]), 5, wsFrames, 0);
    w.writeRun({ framing: 'ws', bytes: wsFrames, count: 1, maxBytes: 2 });
    await new Promise((resolve) => setImmediate(resolve));
    expect(grpcMessages(chunks).map((m) => (m.length > 100 ? `${m.length}x${m[0]}` : Buffer.from(m).toString()))).toEqual(['a', 'b', '10000x7', '9000x8', 'cd']);
  });

  it('writes a lone relayed run as it is, and re-frames a lone WebSocket run into gRPC messages', async () => {
    const target = new PassThrough();
    const chunks: Buffer[] = [];
    target.on('data', (c: Buffer) => chunks.push(c));
    const w = new FrameWriter(() => {});
    w.attach(target);
    const run = grpcRun([Buffer.from('x'), Buffer.from('yz')]);
    w.writeRun(run);
    await new Promise((resolve) => setImmediate(resolve));
    expect(chunks).toEqual([run.bytes]);
    const ws = new Uint8Array(relaySize(run, 'ws'));
    writeRunAsWsFrames(run, 3, ws, 0);
    w.writeRun({ framing: 'ws', bytes: ws, count: 2, maxBytes: 2 });
    await new Promise((resolve) => setImmediate(resolve));
    expect(grpcMessages(chunks).map((m) => Buffer.from(m).toString())).toEqual(['x', 'yz', 'x', 'yz']);
  });

  it('reports backpressure on relayed parts like on messages', () => {
    let drained = 0;
    const w = new FrameWriter(() => drained++, 100);
    expect(w.writeFramed(new Uint8Array(50))).toBe(true);
    expect(w.writeFramed(new Uint8Array(60))).toBe(false);
    expect(drained).toBe(0);
  });
});
