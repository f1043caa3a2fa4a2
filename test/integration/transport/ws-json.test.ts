/**
 * The JSON text subprotocol (`switchyard.v1.json`), driven by a plain `ws` client sending
 * JSON text the way a browser or a command-line WebSocket tool would.
 */
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Code } from '../../../src/errors.js';
import { loadProto } from '../../../src/schema/load.js';
import type { ServerTransport } from '../../../src/transport/transport.js';
import { createWsServer } from '../../../src/transport/ws/index.js';
import { eventually } from '../../helpers/calls.js';
import { CHAT_PROTO } from '../../shared/call-shapes.js';
import { createScenarioService } from '../../shared/scenario-service.js';

type Frame = Record<string, unknown> & { type: string };

let server: ServerTransport;
let address: string;

beforeAll(async () => {
  const schema = await loadProto(CHAT_PROTO);
  server = createWsServer({ methods: schema.methods.values(), handler: createScenarioService(schema).handler, schema, initialWindowMessages: 10 });
  address = `127.0.0.1:${(await server.listen()).port}`;
});

afterAll(async () => {
  await server?.shutdown(200);
});

interface JsonPeer {
  ws: WebSocket;
  frames: Frame[];
  send(...frames: object[]): void;
  closed: Promise<{ code: number; reason: string }>;
  on(stream: number, type: string): Frame[];
}

async function connectJson(): Promise<JsonPeer> {
  const ws = new WebSocket(`ws://${address}/`, ['switchyard.v1.json']);
  const frames: Frame[] = [];
  ws.on('message', (data, isBinary) => frames.push(isBinary ? { type: 'BINARY?' } : (JSON.parse(data.toString()) as Frame)));
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  await new Promise((resolve) => ws.once('open', resolve));
  return {
    ws,
    frames,
    closed,
    send: (...fs) => fs.forEach((f) => ws.send(JSON.stringify(f))),
    on: (stream, type) => frames.filter((f) => f['stream'] === stream && f.type === type),
  };
}

const until = (peer: JsonPeer, stream: number, type: string, n = 1) => eventually(() => peer.on(stream, type).length >= n, `${n} ${type} frame(s) on stream ${stream}`);

describe('JSON subprotocol', () => {
  it('is negotiated when the server has a schema; the server sends SETTINGS first (credit in messages)', async () => {
    const peer = await connectJson();
    expect(peer.ws.protocol).toBe('switchyard.v1.json');
    await eventually(() => peer.frames.length > 0, 'SETTINGS');
    expect(peer.frames[0]).toEqual({ type: 'settings', maxMessageBytes: 4 * 1024 * 1024, initialWindow: 10, maxConcurrentStreams: 100 });
    peer.ws.close();
  });

  it('unary: proto3 JSON in, proto3 JSON out, metadata and trailers as JSON (binary values base64)', async () => {
    const peer = await connectJson();
    peer.send(
      { type: 'open', stream: 1, method: '/chat.ChatService/SendMessage', metadata: { 'x-echo-a': 'b', 'x-echo-k-bin': 'AP8=' }, timeoutMs: 5000 },
      { type: 'message', stream: 1, message: { content: 'hello', sender: 'ann' } },
      { type: 'half-close', stream: 1 },
    );
    await until(peer, 1, 'status');
    expect(peer.on(1, 'headers')[0]!['metadata']).toEqual({ 'x-echo-a': ['b'], 'x-echo-k-bin': ['AP8='] });
    expect(peer.on(1, 'message').map((f) => f['message'])).toEqual([{ id: 'hello' }]);
    expect(peer.on(1, 'status')[0]).toMatchObject({ code: 0, codeName: 'OK', trailers: { 'x-echo-a': ['b'], 'x-trailer': ['done'] } });
    peer.ws.close();
  });

  it('server-streaming respects the credit window (in messages) and continues on window-update', async () => {
    const peer = await connectJson();
    peer.send(
      { type: 'settings', maxMessageBytes: 65536, initialWindow: 4 },
      { type: 'open', stream: 1, method: '/chat.ChatService/History', metadata: { 'x-count': '10' } },
      { type: 'message', stream: 1, message: { room: 'lobby', limit: 10 } },
      { type: 'half-close', stream: 1 },
    );
    await until(peer, 1, 'message', 4);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(peer.on(1, 'message')).toHaveLength(4);
    peer.send({ type: 'window-update', stream: 1, increment: 6 });
    await until(peer, 1, 'status');
    const contents = peer.on(1, 'message').map((f) => (f['message'] as { content: string }).content);
    expect(contents).toEqual(Array.from({ length: 10 }, (_, i) => `lobby-${i}`));
    peer.ws.close();
  });

  it('a message that does not match the request type ends the call INVALID_ARGUMENT naming the field', async () => {
    const peer = await connectJson();
    peer.send({ type: 'open', stream: 1, method: '/chat.ChatService/SendMessage' }, { type: 'message', stream: 1, message: { content: 42 } });
    await until(peer, 1, 'status');
    const status = peer.on(1, 'status')[0]!;
    expect(status['code']).toBe(Code.INVALID_ARGUMENT);
    expect(status['message']).toContain('chat.Message.content: expected a string, got number 42');
    peer.send({ type: 'ping', data: 'still alive?' });
    await eventually(() => peer.frames.some((f) => f.type === 'pong' && f['data'] === 'still alive?'), 'PONG');
    peer.ws.close();
  });

  it('unknown method: UNIMPLEMENTED', async () => {
    const peer = await connectJson();
    peer.send({ type: 'open', stream: 5, method: '/chat.ChatService/Nope' });
    await until(peer, 5, 'status');
    expect(peer.on(5, 'status')[0]!['code']).toBe(Code.UNIMPLEMENTED);
    peer.ws.close();
  });

  it('cancel from the client ends the server handler', async () => {
    const peer = await connectJson();
    peer.send({ type: 'open', stream: 1, method: '/chat.ChatService/ExchangeMessages', metadata: { 'x-scenario': 'hang' } });
    await eventually(() => server.activeCalls === 1, 'the call to start');
    peer.send({ type: 'cancel', stream: 1, code: 1, message: 'bye' });
    await eventually(() => server.activeCalls === 0, 'the call to end');
    peer.ws.close();
  });

  for (const [name, send, reason] of [
    ['text that is not JSON', 'not json', 'JSON text message: not valid JSON'],
    ['an unknown frame type', '{"type":"dance"}', 'JSON text message: unknown frame type "dance"'],
    ['a stream id that is not a positive integer', '{"type":"open","stream":-1,"method":"/x/y"}', 'OPEN: "stream" must be an integer in 1..4294967295'],
    ['bad base64 in a -bin value', '{"type":"open","stream":1,"method":"/x/y","metadata":{"k-bin":"%%%"}}', 'OPEN stream 1: metadata "k-bin" must be a base64 string'],
  ] as const) {
    it(`${name}: closes with 1002 and a reason`, async () => {
      const peer = await connectJson();
      peer.ws.send(send);
      const closed = await peer.closed;
      expect(closed.code).toBe(1002);
      expect(closed.reason).toContain(reason);
    });
  }

  it('a binary message on the JSON subprotocol closes with 1002', async () => {
    const peer = await connectJson();
    peer.ws.send(Buffer.from([1, 2, 3]));
    expect(await peer.closed).toEqual({ code: 1002, reason: 'protocol error: binary message: the JSON subprotocol carries text WebSocket messages only' });
  });
});
