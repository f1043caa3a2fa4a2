/**
 * Load generators on the switchyard client transports: bidi echo at full speed (a fixed
 * window in flight), at a fixed rate, and many open streams at once. Responses on one
 * stream come back in order, so round trips pair by position.
 */
import { createGrpcClient } from '../../src/transport/grpc/index.js';
import { createWsClient } from '../../src/transport/ws/index.js';
import { Metadata } from '../../src/transport/metadata.js';
import type { ClientTransport, TransportName } from '../../src/transport/transport.js';

export const ECHO = { path: '/chat.ChatService/ExchangeMessages', kind: 'bidi' as const };

/** Latency summary, ms. */
export interface Latency {
  p50Ms: number;
  p99Ms: number;
}

/** A full-speed run. */
export interface ThroughputResult extends Latency {
  messages: number;
  msgsPerSec: number;
  clientCpuUsPerMsg: number;
}

export function connect(transport: TransportName, address: string): ClientTransport {
  return transport === 'grpc' ? createGrpcClient({ address }) : createWsClient({ address, maxMessageBytes: 1 << 20 });
}

export function quantiles(values: Float64Array): Latency {
  const sorted = Float64Array.from(values).sort();
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
  return { p50Ms: +at(0.5).toFixed(3), p99Ms: +at(0.99).toFixed(3) };
}

/** Bidi echo at `ratePerSec` for `durationMs` on one stream: round-trip latency at a fixed load. */
export async function paced(client: ClientTransport, message: Uint8Array, ratePerSec: number, durationMs: number): Promise<Latency & { messages: number; achievedPerSec: number }> {
  await client.connect();
  const total = Math.round((ratePerSec * durationMs) / 1000);
  const sentAt = new Float64Array(total);
  const rtt = new Float64Array(total);
  let sent = 0;
  let received = 0;
  const call = client.start(ECHO);
  const t0 = performance.now();
  await new Promise<void>((resolve, reject) => {
    call.listen({
      onMessage: () => {
        rtt[received] = performance.now() - sentAt[received]!;
        if (++received === total) call.halfClose();
      },
      onStatus: (s) => (received === total ? resolve() : reject(new Error(`paced echo ended ${s.code} ${s.message} after ${received}/${total}`))),
    });
    const tick = (): void => {
      const due = Math.min(total, Math.floor(((performance.now() - t0) * ratePerSec) / 1000) + 1);
      while (sent < due) {
        sentAt[sent++] = performance.now();
        call.write(message);
      }
      if (sent < total) setTimeout(tick, 1);
    };
    tick();
  });
  const elapsed = performance.now() - t0;
  return { messages: total, achievedPerSec: Math.round((total / elapsed) * 1000), ...quantiles(rtt) };
}

/** Opens `streams` bidi streams over `connections` connections, keeps them busy for `holdMs`, then closes them. */
export async function openStreams(transport: TransportName, address: string, message: Uint8Array, streams: number, connections: number, holdMs: number): Promise<{ opened: number; failed: number; echoes: number }> {
  const clients = Array.from({ length: connections }, () => connect(transport, address));
  await Promise.all(clients.map((c) => c.connect()));
  let opened = 0;
  let echoes = 0;
  let failed = 0;
  const done: Array<Promise<void>> = [];
  const calls = Array.from({ length: streams }, (_, i) => {
    const call = clients[i % connections]!.start(ECHO);
    let first = true;
    done.push(
      new Promise<void>((resolve) =>
        call.listen({
          onMessage: () => {
            echoes++;
            if (first) opened++;
            first = false;
          },
          onStatus: (s) => {
            if (s.code !== 0) failed++;
            resolve();
          },
        }),
      ),
    );
    call.write(message);
    return call;
  });
  const ticker = setInterval(() => calls.forEach((c) => c.write(message)), 250);
  await new Promise((r) => setTimeout(r, holdMs));
  clearInterval(ticker);
  const seen = opened;
  calls.forEach((c) => c.halfClose());
  await Promise.all(done);
  await Promise.all(clients.map((c) => c.close()));
  return { opened: seen, failed, echoes };
}

/** Shape of a full-speed run: `connections` × `streamsPerConnection` bidi streams, each with at most `windowPerStream` messages in flight. */
export interface LoadShape {
  connections: number;
  streamsPerConnection: number;
  windowPerStream: number;
}

/**
 * Bidi echo of about `count` messages (a whole number per stream) at full speed: every
 * stream keeps its window in flight and sends one message per response. With one stream
 * the whole window travels as one batch; with many, the streams run independently, as a
 * proxy in front of many clients sees them. `metadata` goes on every call.
 */
export async function throughput(transport: TransportName, address: string, message: Uint8Array, count: number, shape: LoadShape, metadata: Record<string, string> = {}): Promise<ThroughputResult> {
  const clients = Array.from({ length: shape.connections }, () => connect(transport, address));
  try {
    await Promise.all(clients.map((c) => c.connect()));
    const streams = shape.connections * shape.streamsPerConnection;
    const perStream = Math.ceil(count / streams);
    const total = perStream * streams;
    const rtt = new Float64Array(total);
    let recorded = 0;
    const md = new Metadata();
    for (const [k, v] of Object.entries(metadata)) md.set(k, v);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: streams }, (_, i) => {
        const call = clients[i % shape.connections]!.start(ECHO, { metadata: md });
        const sentAt = new Float64Array(perStream);
        let sent = 0;
        let received = 0;
        let blocked = false;
        return new Promise<void>((resolve, reject) => {
          const fill = (): void => {
            while (sent < perStream && sent - received < shape.windowPerStream) {
              sentAt[sent++] = performance.now();
              if (!call.write(message)) {
                blocked = true;
                return;
              }
            }
          };
          call.listen({
            onMessage: () => {
              rtt[recorded++] = performance.now() - sentAt[received]!;
              received++;
              if (received === perStream) call.halfClose();
              else if (!blocked) fill();
            },
            onDrain: () => {
              blocked = false;
              fill();
            },
            onStatus: (s) => (received === perStream && s.code === 0 ? resolve() : reject(new Error(`echo ended ${s.code} ${s.message} after ${received}/${perStream}`))),
          });
          fill();
        });
      }),
    );
    const elapsed = performance.now() - t0;
    const u = process.cpuUsage(cpu0);
    return { messages: total, msgsPerSec: Math.round((total / elapsed) * 1000), ...quantiles(rtt), clientCpuUsPerMsg: +((u.user + u.system) / total).toFixed(3) };
  } finally {
    await Promise.all(clients.map((c) => c.close()));
  }
}
