/**
 * WebSocket-only protocol robustness: malformed and out-of-order frames close only the
 * offending connection (1002, a reason naming the frame, a warn log); version negotiation;
 * per-connection stream limits; thousands of random frames never break the server.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Code } from '../../../src/errors.js';
import { loadProto, type ProtoSchema } from '../../../src/schema/load.js';
import type { ClientTransport, ServerTransport } from '../../../src/transport/transport.js';
import { createWsClient, createWsServer } from '../../../src/transport/ws/index.js';
import { callWith, eventually } from '../../helpers/calls.js';
import { captureLog, type CapturedLog } from '../../helpers/log-capture.js';
import { T, connectRaw, frame, open, settings, type RawPeer } from '../../helpers/ws-raw.js';
import { CHAT_PROTO } from '../../shared/call-shapes.js';
import { createScenarioService, encodeText } from '../../shared/scenario-service.js';

const BIDI = '/chat.ChatService/ExchangeMessages';
const UNARY = '/chat.ChatService/SendMessage';
const HANG: Array<[string, string]> = [['x-scenario', 'hang']];

let schema: ProtoSchema;
let server: ServerTransport;
let address: string;
let log: CapturedLog;
let client: ClientTransport;
let msg: Uint8Array;

beforeAll(async () => {
  schema = await loadProto(CHAT_PROTO);
  log = captureLog();
  const service = createScenarioService(schema);
  server = createWsServer({ methods: schema.methods.values(), handler: service.handler, logger: log.logger, maxConcurrentStreams: 3, initialWindowBytes: 4096, heartbeat: { intervalMs: 0 } });
  address = `127.0.0.1:${(await server.listen()).port}`;
  client = createWsClient({ address });
  msg = encodeText(schema.methods.get(BIDI)!.requestType, 'hello');
});

afterAll(async () => {
  await client?.close();
  await server?.shutdown(200);
});

/** Other connections keep working: a normal client call succeeds. */
async function serverStillServes(): Promise<void> {
  const r = await callWith(client, schema.methods.get(UNARY)!, [encodeText(schema.methods.get(UNARY)!.requestType, 'ok')]);
  expect(r.status.code).toBe(Code.OK);
}

async function expectProtocolError(peer: RawPeer, reasonPart: string): Promise<void> {
  const closed = await peer.closed;
  expect(closed.code).toBe(1002);
  expect(closed.reason).toContain(reasonPart);
  await eventually(() => log.warnings().some((e) => String(e.msg).includes(reasonPart)), `a warn log containing "${reasonPart}"`);
}

describe('malformed and out-of-order frames close that connection with 1002', () => {
  const cases: Array<[string, () => Buffer[], string]> = [
    ['a first frame other than SETTINGS', () => [open(1, BIDI)], 'OPEN: the first frame must be SETTINGS'],
    ['MESSAGE on a stream never opened', () => [settings(), frame(T.MESSAGE, 7, msg)], 'MESSAGE stream 7: stream was never opened'],
    ['MESSAGE after HALF_CLOSE', () => [settings(), open(1, BIDI, HANG), frame(T.HALF_CLOSE, 1), frame(T.MESSAGE, 1, msg)], 'MESSAGE stream 1: received after HALF_CLOSE'],
    ['HALF_CLOSE twice', () => [settings(), open(1, BIDI, HANG), frame(T.HALF_CLOSE, 1), frame(T.HALF_CLOSE, 1)], 'HALF_CLOSE stream 1: received twice'],
    ['a stream id that does not increase', () => [settings(), open(3, BIDI), open(2, BIDI)], 'OPEN stream 2: stream id is not above the last opened stream 3'],
    ['a payload length past the end', () => [settings(), frame(T.MESSAGE, 1, msg).subarray(0, 14)], 'MESSAGE stream 1: payload length'],
    ['a truncated header', () => [settings(), Buffer.from([3, 0, 0])], 'frame header: 3 bytes left'],
    ['an unknown frame type', () => [settings(), frame(0x2a, 1)], 'frame type 0x2a stream 1: unknown frame type'],
    ['SETTINGS twice', () => [settings(), settings()], 'SETTINGS: sent more than once'],
    ['a server-only frame from a client', () => [settings(), open(1, BIDI), frame(T.STATUS, 1, Buffer.alloc(11))], 'STATUS stream 1: only servers send STATUS'],
    ['a connection frame on a stream', () => [settings(), frame(T.PING, 1, Buffer.alloc(8))], 'PING stream 1: connection frame must use stream id 0'],
    ['a bad PING payload', () => [settings(), frame(T.PING, 0, Buffer.alloc(3))], 'PING: payload of 3 bytes, expected 8'],
    ['a zero WINDOW_UPDATE', () => [settings(), open(1, BIDI), frame(T.WINDOW_UPDATE, 1, Buffer.alloc(4))], 'WINDOW_UPDATE stream 1: increment 0'],
    ['metadata with a bad key', () => [settings(), open(1, BIDI, [['Bad Key!', 'v']])], 'OPEN stream 1: metadata "Bad Key!": metadata key "Bad Key!" has characters outside'],
    ['text metadata that is not UTF-8', () => [settings(), open(1, BIDI, [['x-a', new Uint8Array([0xff, 0xfe])]])], 'OPEN stream 1: metadata "x-a": value is not valid UTF-8'],
  ];
  for (const [name, frames, reason] of cases) {
    it(name, async () => {
      const peer = await connectRaw(address);
      peer.send(...frames());
      await expectProtocolError(peer, reason);
      await serverStillServes();
    });
  }

  it('a text message on the binary subprotocol', async () => {
    const peer = await connectRaw(address);
    peer.ws.send('{"type":"settings"}');
    await expectProtocolError(peer, 'text message: the binary subprotocol carries binary WebSocket messages only');
  });

  it('a MESSAGE sent without credit (flow-control violation)', async () => {
    const peer = await connectRaw(address);
    const big = encodeText(schema.methods.get(BIDI)!.requestType, 'x'.repeat(3000));
    peer.send(settings(), open(1, BIDI, [['x-scenario', 'sink']]), frame(T.MESSAGE, 1, big), frame(T.MESSAGE, 1, big));
    await expectProtocolError(peer, 'MESSAGE stream 1: sent without credit');
    await eventually(() => server.activeCalls === 0, 'the sink call to end');
  });

  it('the log entry names the peer, the frame type and the problem', async () => {
    const peer = await connectRaw(address);
    peer.send(settings(), frame(T.HEADERS, 1, Buffer.from([0, 0])));
    await expectProtocolError(peer, 'HEADERS stream 1');
    const entry = log.warnings().find((e) => String(e.msg).includes('HEADERS stream 1'))!;
    expect(entry).toMatchObject({ frame: 'HEADERS', stream: 1, problem: 'only servers send HEADERS' });
    expect(String(entry['peer'])).toMatch(/^127\.0\.0\.1:\d+$/);
  });
});

describe('streams per connection', () => {
  it('an OPEN beyond maxConcurrentStreams is refused RESOURCE_EXHAUSTED; the others run', async () => {
    const peer = await connectRaw(address);
    peer.send(settings(), ...[1, 2, 3, 4].map((id) => open(id, BIDI, [['x-scenario', 'hang']])));
    await eventually(() => peer.statusOf(4) !== undefined, 'the refusal of stream 4');
    expect(peer.statusOf(4)!.code).toBe(Code.RESOURCE_EXHAUSTED);
    expect(peer.statusOf(4)!.message).toContain('more than 3 concurrent streams');
    expect([1, 2, 3].map((id) => peer.statusOf(id))).toEqual([undefined, undefined, undefined]);
    expect(peer.received.settings).toEqual({ maxMessageBytes: 4 * 1024 * 1024, initialWindow: 4096, maxConcurrentStreams: 3 });
    peer.ws.close();
    await eventually(() => server.activeCalls === 0, 'the calls to end with the connection');
  });

  it('the client queues calls beyond the server limit and opens them as others finish', async () => {
    const m = schema.methods.get(BIDI)!;
    const calls = Array.from({ length: 8 }, (_, i) => callWith(client, m, [encodeText(m.requestType, `q${i}`)]));
    const results = await Promise.all(calls);
    expect(results.map((r) => r.status.code)).toEqual(Array(8).fill(Code.OK));
  });
});

describe('version negotiation through Sec-WebSocket-Protocol', () => {
  it('an unsupported version is refused with a reason naming what the server speaks', async () => {
    const peer = await connectRaw(address, ['switchyard.v2']);
    const closed = await peer.closed;
    expect(closed.code).toBe(1002);
    expect(closed.reason).toBe('unsupported subprotocol "switchyard.v2"; this server speaks switchyard.v1');
  });

  it('JSON without a schema on the server is refused with the reason', async () => {
    const closed = await (await connectRaw(address, ['switchyard.v1.json'])).closed;
    expect(closed.reason).toContain('(JSON needs a schema on the server)');
  });

  it('no subprotocol at all is refused with the reason', async () => {
    const closed = await (await connectRaw(address, [])).closed;
    expect(closed).toEqual({ code: 1002, reason: 'no subprotocol offered; this server speaks switchyard.v1' });
  });

  it('binary is preferred when both are offered', async () => {
    const peer = await connectRaw(address, ['switchyard.v1.json', 'switchyard.v1']);
    expect(peer.ws.protocol).toBe('switchyard.v1');
    peer.ws.close();
  });
});

describe('random and malformed frames (fast-check)', () => {
  const valid = (): fc.Arbitrary<Buffer> =>
    fc.oneof(
      fc.integer({ min: 1, max: 6 }).map((id) => open(id, BIDI)),
      fc.integer({ min: 1, max: 6 }).map((id) => open(id, '/no.Such/Method')),
      fc.integer({ min: 1, max: 6 }).map((id) => frame(T.MESSAGE, id, msg)),
      fc.integer({ min: 1, max: 6 }).map((id) => frame(T.HALF_CLOSE, id)),
      fc.integer({ min: 1, max: 6 }).map((id) => frame(T.CANCEL, id, Buffer.from([1, 0, 0, 0, 0]))),
      fc.integer({ min: 1, max: 6 }).map((id) => frame(T.WINDOW_UPDATE, id, Buffer.from([0, 0, 1, 0]))),
      fc.constant(frame(T.PING, 0, Buffer.alloc(8))),
    );
  const random = fc
    .record({ type: fc.integer({ min: 0, max: 13 }), flags: fc.integer({ min: 0, max: 255 }), id: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 0, max: 0xffff_ffff })), payload: fc.uint8Array({ maxLength: 48 }) })
    .map((f) => frame(f.type, f.id, f.payload, f.flags));
  const garbage = fc.uint8Array({ minLength: 1, maxLength: 40 }).map((b) => Buffer.from(b));
  const truncated = fc.tuple(valid(), fc.nat()).map(([b, n]) => b.subarray(0, n % b.length));
  const anyFrame = fc.oneof({ arbitrary: valid(), weight: 30 }, { arbitrary: random, weight: 2 }, { arbitrary: garbage, weight: 1 }, { arbitrary: truncated, weight: 1 });
  const session = fc.array(fc.array(anyFrame, { minLength: 1, maxLength: 12 }), { minLength: 1, maxLength: 4 });

  it('a few thousand random frames never crash the server; other connections keep working', async () => {
    let frames = 0;
    let closedByProtocolError = 0;
    await fc.assert(
      fc.asyncProperty(session, fc.integer({ min: 0, max: 9 }).map((n) => n > 0), async (messages, withSettings) => {
        const peer = await connectRaw(address);
        if (withSettings) peer.send(settings());
        for (const m of messages) {
          frames += m.length;
          peer.send(...m);
        }
        peer.send(frame(T.PING, 0, Buffer.alloc(8)));
        await Promise.race([peer.closed, eventually(() => peer.received.frames.some((f) => f.type === 'PONG'), 'PONG or close', 5000)]);
        if (peer.received.close) {
          expect([1002, 1009]).toContain(peer.received.close.code);
          closedByProtocolError++;
        } else peer.ws.terminate();
      }),
      { numRuns: 400 },
    );
    expect(frames).toBeGreaterThan(2000);
    expect(closedByProtocolError).toBeGreaterThan(0);
    await serverStillServes();
    await eventually(() => server.activeCalls === 0, 'every fuzzed call to end');
  });
});
