/** The WebSocket frame codec: binary encode/decode round trips, coalescing, malformed input. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Code } from '../../../src/errors.js';
import { Metadata } from '../../../src/transport/metadata.js';
import type { Status } from '../../../src/transport/status.js';
import { decodeFrames } from '../../../src/transport/ws/binary-reader.js';
import { BinaryFrameWriter } from '../../../src/transport/ws/binary-writer.js';
import { ProtocolError, closeReason, type FrameHandler } from '../../../src/transport/ws/frames.js';
import { decodeJsonFrame, type JsonFrameHandler } from '../../../src/transport/ws/json-codec.js';
import { negotiate } from '../../../src/transport/ws/protocol.js';
import { clientUrl } from '../../../src/transport/ws/options.js';

type Seen = [string, ...unknown[]];

function recorder(): { handler: JsonFrameHandler; seen: Seen[] } {
  const seen: Seen[] = [];
  const handler: JsonFrameHandler = {
    onSettings: (s) => seen.push(['settings', s]),
    onOpen: (id, method, md, timeout) => seen.push(['open', id, method, md.toJSON(), timeout]),
    onMessage: (id, m, cost) => seen.push(['message', id, Array.from(m), cost]),
    onJsonMessage: (id, m) => seen.push(['json-message', id, m]),
    onHalfClose: (id) => seen.push(['half-close', id]),
    onHeaders: (id, md) => seen.push(['headers', id, md.toJSON()]),
    onStatus: (id, s) => seen.push(['status', id, s.code, s.message, s.details && Array.from(s.details), s.trailers.toJSON()]),
    onCancel: (id, code, msg) => seen.push(['cancel', id, code, msg]),
    onWindowUpdate: (id, n) => seen.push(['window-update', id, n]),
    onPing: (d) => seen.push(['ping', Array.from(d)]),
    onPong: (d) => seen.push(['pong', Array.from(d)]),
    onGoaway: (last, code, msg) => seen.push(['goaway', last, code, msg]),
  };
  return { handler, seen };
}

function encodeAll(write: (w: BinaryFrameWriter) => void, options = {}): Uint8Array[] {
  const sent: Uint8Array[] = [];
  const w = new BinaryFrameWriter((d) => sent.push(d.slice()), options);
  write(w);
  w.flush();
  return sent;
}

function decodeAll(messages: Uint8Array[], handler: FrameHandler): void {
  for (const m of messages) decodeFrames(m, handler);
}

describe('binary frames', () => {
  it('every frame type round-trips through one coalesced WebSocket message', () => {
    const md = Metadata.from({ 'x-a': ['1', 'ü'], 'x-b-bin': new Uint8Array([0, 255]) });
    const status: Status = { code: Code.NOT_FOUND, message: 'nope ✗', details: new Uint8Array([9, 9]), trailers: Metadata.from({ 'x-t': 'v' }) };
    const sent = encodeAll((w) => {
      w.settings({ maxMessageBytes: 1000, initialWindow: 2000, maxConcurrentStreams: 3 });
      w.open(1, '/p.S/M', md, 1500);
      w.open(3, '/p.S/N', new Metadata(), undefined);
      expect(w.message(1, new Uint8Array([1, 2, 3]))).toBe(13);
      w.message(1, new Uint8Array(100).fill(7));
      w.halfClose(1);
      w.headers(1, md);
      w.status(1, status);
      w.cancel(3, Code.DEADLINE_EXCEEDED, 'late');
      w.windowUpdate(1, 4096);
      w.ping(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]));
      w.pong(new Uint8Array(8));
      w.goaway(3, Code.OK, 'bye');
    });
    expect(sent).toHaveLength(1);
    const { handler, seen } = recorder();
    decodeAll(sent, handler);
    expect(seen).toEqual([
      ['settings', { maxMessageBytes: 1000, initialWindow: 2000, maxConcurrentStreams: 3 }],
      ['open', 1, '/p.S/M', { 'x-a': ['1', 'ü'], 'x-b-bin': ['AP8='] }, 1500],
      ['open', 3, '/p.S/N', {}, undefined],
      ['message', 1, [1, 2, 3], 13],
      ['message', 1, Array(100).fill(7), 110],
      ['half-close', 1],
      ['headers', 1, { 'x-a': ['1', 'ü'], 'x-b-bin': ['AP8='] }],
      ['status', 1, Code.NOT_FOUND, 'nope ✗', [9, 9], { 'x-t': ['v'] }],
      ['cancel', 3, Code.DEADLINE_EXCEEDED, 'late'],
      ['window-update', 1, 4096],
      ['ping', [1, 2, 3, 4, 5, 6, 7, 8]],
      ['pong', [0, 0, 0, 0, 0, 0, 0, 0]],
      ['goaway', 3, Code.OK, 'bye'],
    ]);
  });

  it('the header layout is type, flags, stream id (u32 BE), payload length (u32 BE)', () => {
    const [m] = encodeAll((w) => w.message(0x01020304, new Uint8Array([0xaa, 0xbb])));
    expect(Array.from(m!)).toEqual([3, 0, 1, 2, 3, 4, 0, 0, 0, 2, 0xaa, 0xbb]);
    const [o] = encodeAll((w) => w.open(1, '/a', new Metadata(), 258));
    expect(Array.from(o!)).toEqual([2, 1, 0, 0, 0, 1, 0, 0, 0, 10, 0, 0, 1, 2, 0, 2, 0x2f, 0x61, 0, 0]);
  });

  it('frames written in one event-loop turn go out in one message on setImmediate (Node)', async () => {
    const sent: Uint8Array[] = [];
    const w = new BinaryFrameWriter((d) => sent.push(d));
    for (let i = 0; i < 50; i++) w.message(1, new Uint8Array(60));
    expect(sent).toHaveLength(0);
    // Microtask checkpoints in between (HTTP/2 delivers each DATA frame in its own callback) do not cut the batch.
    await Promise.resolve();
    for (let i = 0; i < 50; i++) w.message(1, new Uint8Array(60));
    expect(sent).toHaveLength(0);
    await new Promise((resolve) => setImmediate(resolve));
    expect(sent).toHaveLength(1);
    expect(sent[0]!.byteLength).toBe(100 * 70);
  });

  it('a batch of at least eagerFlushBytes goes out at the next microtask checkpoint', async () => {
    const sent: Uint8Array[] = [];
    const w = new BinaryFrameWriter((d) => sent.push(d), { eagerFlushBytes: 1000 });
    for (let i = 0; i < 10; i++) w.message(1, new Uint8Array(60));
    await Promise.resolve();
    expect(sent).toHaveLength(0);
    for (let i = 0; i < 10; i++) w.message(1, new Uint8Array(60));
    await Promise.resolve();
    expect(sent.map((m) => m.byteLength)).toEqual([20 * 70]);
    w.message(1, new Uint8Array(60));
    await new Promise((resolve) => setImmediate(resolve));
    expect(sent.map((m) => m.byteLength)).toEqual([20 * 70, 70]);
  });

  it('a batch is cut at batchBytes; a larger frame goes alone, copied once', () => {
    const big = new Uint8Array(200_000).fill(1);
    const sent = encodeAll((w) => {
      for (let i = 0; i < 20; i++) w.message(1, new Uint8Array(90));
      w.message(1, big);
      w.message(1, new Uint8Array(5));
    }, { batchBytes: 1000, chunkBytes: 4096 });
    expect(sent.map((s) => s.byteLength)).toEqual([1000, 1000, 200_010, 15]);
  });

  it('sent regions are never overwritten by later frames', async () => {
    const sent: Uint8Array[] = [];
    const w = new BinaryFrameWriter((d) => sent.push(d), { chunkBytes: 64 });
    w.message(1, new Uint8Array([1, 1, 1]));
    await new Promise((resolve) => setImmediate(resolve));
    const first = Array.from(sent[0]!);
    for (let i = 0; i < 10; i++) w.message(1, new Uint8Array([2, 2, 2]));
    await new Promise((resolve) => setImmediate(resolve));
    expect(Array.from(sent[0]!)).toEqual(first);
  });

  it('random streams of frames decode to what was written (property)', () => {
    const frameArb = fc.oneof(
      fc.tuple(fc.integer({ min: 1, max: 2 ** 32 - 1 }), fc.uint8Array({ maxLength: 300 })).map(([id, m]) => ['message', id, Array.from(m), m.length + 10] as Seen),
      fc.tuple(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 1, max: 2 ** 31 - 1 })).map(([id, n]) => ['window-update', id, n] as Seen),
      fc.tuple(fc.integer({ min: 1, max: 1000 }), fc.string({ maxLength: 50 })).map(([id, s]) => ['cancel', id, Code.CANCELLED, s] as Seen),
    );
    fc.assert(
      fc.property(fc.array(frameArb, { maxLength: 40 }), (frames) => {
        const sent = encodeAll((w) => {
          for (const f of frames) {
            if (f[0] === 'message') w.message(f[1] as number, new Uint8Array(f[2] as number[]));
            else if (f[0] === 'window-update') w.windowUpdate(f[1] as number, f[2] as number);
            else w.cancel(f[1] as number, Code.CANCELLED, f[3] as string);
          }
        }, { batchBytes: 512 });
        const { handler, seen } = recorder();
        decodeAll(sent, handler);
        const expected = frames.map((f) => (f[0] === 'cancel' ? ['cancel', f[1], f[2], new TextDecoder().decode(new TextEncoder().encode(f[3] as string))] : f));
        expect(seen).toEqual(expected);
      }),
    );
  });

  it('metadata too large for one frame is refused with RESOURCE_EXHAUSTED', () => {
    const w = new BinaryFrameWriter(() => {});
    expect(() => w.open(1, '/a/b', Metadata.from({ 'x-big': 'x'.repeat(70_000) }), undefined)).toThrow(/TRANSPORT_METADATA_TOO_LARGE/);
  });

  it('a status too large for one frame becomes INTERNAL without trailers', () => {
    const sent = encodeAll((w) => w.status(1, { code: Code.NOT_FOUND, message: 'm', trailers: Metadata.from({ 'x-big': 'x'.repeat(70_000) }) }));
    const { handler, seen } = recorder();
    decodeAll(sent, handler);
    expect(seen[0]![2]).toBe(Code.INTERNAL);
    expect(String(seen[0]![3])).toContain('exceeds the 65536-byte frame limit');
  });
});

describe('malformed binary input', () => {
  const header = (type: number, flags: number, id: number, len: number): number[] => [type, flags, id >>> 24, (id >>> 16) & 255, (id >>> 8) & 255, id & 255, len >>> 24, (len >>> 16) & 255, (len >>> 8) & 255, len & 255];
  const cases: Array<[string, number[], string]> = [
    ['truncated header', [3, 0, 0, 0], 'frame header: 4 bytes left in the WebSocket message, a header needs 10'],
    ['payload past the end', [...header(3, 0, 1, 5), 1, 2], 'MESSAGE stream 1: payload length 5 exceeds the 2 bytes left'],
    ['MESSAGE on stream 0', header(3, 0, 0, 0), 'MESSAGE: stream id 0 is reserved'],
    ['unknown type', header(0, 0, 1, 0), 'frame type 0x00 stream 1: unknown frame type'],
    ['SETTINGS too short', [...header(1, 0, 0, 4), 0, 0, 0, 1], 'SETTINGS: payload of 4 bytes, expected at least 12'],
    ['OPEN with an empty method', [...header(2, 0, 1, 8), 0, 0, 0, 0, 0, 0, 0, 0], 'OPEN stream 1: bad method length 0'],
    ['HALF_CLOSE with a payload', [...header(4, 0, 1, 1), 0], 'HALF_CLOSE stream 1: 1 unexpected bytes after the payload'],
    ['STATUS with code 17', [...header(6, 0, 1, 11), 17, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], 'STATUS stream 1: status code 17 is not one of the 17 gRPC codes'],
    ['WINDOW_UPDATE of 2^31', [...header(8, 0, 1, 4), 0x80, 0, 0, 0], 'WINDOW_UPDATE stream 1: increment 2147483648 is outside 1..2147483647'],
    ['GOAWAY on a stream', [...header(11, 0, 2, 9), 0, 0, 0, 0, 0, 0, 0, 0, 0], 'GOAWAY stream 2: connection frame must use stream id 0'],
    ['metadata count beyond the frame', [...header(5, 0, 1, 2), 0, 1], 'HEADERS stream 1: metadata entry 0 truncated'],
    ['a control frame over 64 KiB', header(5, 0, 1, 70_000).concat(Array(70_000).fill(0)), 'HEADERS stream 1: frame of 70010 bytes exceeds the 65536-byte limit'],
  ];
  for (const [name, bytes, message] of cases) {
    it(name, () => {
      const { handler } = recorder();
      let err: unknown;
      try {
        decodeFrames(new Uint8Array(bytes), handler);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ProtocolError);
      expect((err as ProtocolError).message).toContain(message);
    });
  }

  it('random bytes only ever throw ProtocolError (property)', () => {
    const { handler } = recorder();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        try {
          decodeFrames(bytes, handler);
        } catch (e) {
          expect(e).toBeInstanceOf(ProtocolError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('JSON frames', () => {
  it('decodes each frame type', () => {
    const { handler, seen } = recorder();
    const frames = [
      { type: 'settings', maxMessageBytes: 10, initialWindow: 5 },
      { type: 'open', stream: 1, method: '/a/b', metadata: { 'x-a': 'v', 'x-k-bin': ['AP8='] }, timeoutMs: 30 },
      { type: 'message', stream: 1, message: { content: 'hi' } },
      { type: 'half-close', stream: 1 },
      { type: 'cancel', stream: 1 },
      { type: 'window-update', stream: 1, increment: 3 },
      { type: 'ping', data: 'x' },
      { type: 'goaway', lastStream: 1, code: 0, message: 'bye' },
    ];
    for (const f of frames) decodeJsonFrame(JSON.stringify(f), handler);
    expect(seen).toEqual([
      ['settings', { maxMessageBytes: 10, initialWindow: 5, maxConcurrentStreams: 0 }],
      ['open', 1, '/a/b', { 'x-a': ['v'], 'x-k-bin': ['AP8='] }, 30],
      ['json-message', 1, { content: 'hi' }],
      ['half-close', 1],
      ['cancel', 1, Code.CANCELLED, ''],
      ['window-update', 1, 3],
      ['ping', [120]],
      ['goaway', 1, Code.OK, 'bye'],
    ]);
  });

  it('names the frame and field of a bad value', () => {
    const { handler } = recorder();
    expect(() => decodeJsonFrame('{"type":"window-update","stream":1,"increment":0}', handler)).toThrow('WINDOW_UPDATE stream 1: "increment" must be an integer in 1..2147483647, got 0');
    expect(() => decodeJsonFrame('[1]', handler)).toThrow('JSON text message: must be a JSON object with a "type"');
    expect(() => decodeJsonFrame('{"type":"message","stream":2}', handler)).toThrow('MESSAGE stream 2: missing "message"');
  });
});

describe('negotiation, addresses, close reasons', () => {
  it('prefers binary, offers JSON only with a schema, explains refusals', () => {
    expect(negotiate(['switchyard.v1.json', 'switchyard.v1'], true)).toMatchObject({ t: 'ok', mode: 'binary' });
    expect(negotiate(['switchyard.v1.json'], true)).toMatchObject({ t: 'ok', mode: 'json' });
    expect(negotiate(['switchyard.v1.json'], false)).toEqual({ t: 'refused', reason: 'unsupported subprotocol "switchyard.v1.json" (JSON needs a schema on the server); this server speaks switchyard.v1' });
    expect(negotiate([], true)).toEqual({ t: 'refused', reason: 'no subprotocol offered; this server speaks switchyard.v1, switchyard.v1.json' });
  });

  it('builds client URLs and rejects other schemes', () => {
    expect(clientUrl('127.0.0.1:80')).toBe('ws://127.0.0.1:80/');
    expect(clientUrl('[::1]:80', '/rpc', true)).toBe('wss://[::1]:80/rpc');
    expect(clientUrl('wss://h:1/x')).toBe('wss://h:1/x');
    expect(() => clientUrl('grpc://h:1')).toThrow(/must be host:port or a ws:\/\/ or wss:\/\/ URL/);
    expect(() => clientUrl('nohost')).toThrow(/must be host:port/);
  });

  it('close reasons fit the 123-byte limit', () => {
    const r = closeReason('é'.repeat(200));
    expect(new TextEncoder().encode(r).length).toBeLessThanOrEqual(123);
    expect(r.endsWith('…')).toBe(true);
    expect(closeReason('short')).toBe('short');
  });
});
