/**
 * The relay path through the proxy (engines moving runs of messages without surfacing each
 * one): bulk bidi streams of mixed sizes — empty, small, above the gRPC copy limit, above
 * a WebSocket batch and an HTTP/2 DATA frame — cross every client × upstream combination
 * byte for byte and in order, mixed freely with the per-message path (backpressure, a
 * slow reader), and the relay really carries a good share of them (the rest waited on
 * flow control: these windows hold megabytes, far past the transports' credit).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Code } from '../../../src/errors.js';
import { parseProxyConfig } from '../../../src/proxy/config.js';
import { engineTransports } from '../../../src/proxy/engines.js';
import { forwardedCounts } from '../../../src/proxy/proxied-call.js';
import { startProxy } from '../../../src/proxy/proxy.js';
import { createGrpcClient, createGrpcServer } from '../../../src/transport/grpc/index.js';
import { createWsClient, createWsServer } from '../../../src/transport/ws/index.js';
import { okStatus } from '../../../src/transport/status.js';
import type { CallHandler, ClientTransport, TransportName } from '../../../src/transport/transport.js';
import { CHAT_PROTO, chatSchema, EXCHANGE } from './chat-backends.js';

const echo: CallHandler = (call) => call.listen({ onMessage: (m) => call.write(m), onHalfClose: () => call.end(okStatus()) });
const SIZES = [0, 1, 60, 60, 60, 9_000, 60, 70_000, 3, 60];
const LIMITS = { maxMessageBytes: 1 << 20 };

/** Message `i`: its size from SIZES, every byte derived from `i`, so order and content are both checked. */
function message(i: number): Uint8Array {
  const m = new Uint8Array(SIZES[i % SIZES.length]!);
  for (let k = 0; k < m.length; k++) m[k] = (i * 31 + k) & 255;
  return m;
}

/** Sends `count` messages with `window` in flight, reading slowly when `slowReader`; resolves with the mismatches found. */
function bulkEcho(client: ClientTransport, count: number, window: number, slowReader: boolean): Promise<{ code: Code; received: number; wrong: number[] }> {
  const call = client.start(EXCHANGE);
  let sent = 0;
  let received = 0;
  const wrong: number[] = [];
  return new Promise((resolve) => {
    const fill = (): void => {
      while (sent < count && sent - received < window) if (!call.write(message(sent++))) return;
      if (sent === count) call.halfClose();
    };
    call.listen({
      onMessage: (m) => {
        if (Buffer.compare(Buffer.from(m), Buffer.from(message(received))) !== 0) wrong.push(received);
        received++;
        if (slowReader && received % 500 === 0) {
          call.pause();
          setTimeout(() => call.resume(), 5);
        }
        fill();
      },
      onDrain: fill,
      onStatus: (s) => resolve({ code: s.code, received, wrong }),
    });
    fill();
  });
}

describe('relay through the proxy', () => {
  const stops: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const s of stops.reverse()) await s();
  });

  const combos: Array<[TransportName, TransportName]> = [
    ['grpc', 'grpc'],
    ['ws', 'ws'],
    ['grpc', 'ws'],
    ['ws', 'grpc'],
  ];
  for (const [c, u] of combos) {
    it(`${c} → ${u}: 20 000 messages of mixed sizes, in order, byte for byte, a good share relayed`, async () => {
      const methods = [...(await chatSchema()).methods.values()];
      const up = u === 'grpc' ? createGrpcServer({ methods, handler: echo, ...LIMITS }) : createWsServer({ methods, handler: echo, ...LIMITS });
      const port = (await up.listen()).port;
      stops.push(() => up.shutdown(0));
      const url = `${u}://127.0.0.1:${port}`;
      const proxy = await startProxy(parseProxyConfig({ proto: { files: [CHAT_PROTO] }, listen: { [c]: '127.0.0.1:0' }, upstreams: { legacy: url, next: url }, limits: LIMITS }), { transports: engineTransports() });
      stops.push(() => proxy.stop(0));
      const address = proxy.addresses[c]!;
      const client = c === 'grpc' ? createGrpcClient({ address, ...LIMITS }) : createWsClient({ address, ...LIMITS });
      stops.push(() => client.close());

      const before = { ...forwardedCounts };
      const [fast, slow] = await Promise.all([bulkEcho(client, 10_000, 400, false), bulkEcho(client, 10_000, 2_000, true)]);
      expect(fast).toEqual({ code: Code.OK, received: 10_000, wrong: [] });
      expect(slow).toEqual({ code: Code.OK, received: 10_000, wrong: [] });
      const forwarded = forwardedCounts.requests - before.requests + forwardedCounts.responses - before.responses;
      const relayed = forwardedCounts.relayed - before.relayed;
      expect(forwarded).toBe(40_000);
      expect(relayed / forwarded).toBeGreaterThan(0.2);
    });
  }
});
