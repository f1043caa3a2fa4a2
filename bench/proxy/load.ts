/**
 * Load generators on the switchyard client transports: bidi echo at full speed (a fixed
 * window in flight), at a fixed rate, and many open streams at once. Responses on one
 * stream come back in order, so round trips pair by position.
 */
import { createGrpcClient } from '../../src/transport/grpc/index.js';
import { createWsClient } from '../../src/transport/ws/index.js';
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

/** Bidi echo of `count` messages with at most `window` in flight. */
export async function throughput(client: ClientTransport, message: Uint8Array, count: number, window: number): Promise<ThroughputResult> {
  await client.connect();
  const cpu0 = process.cpuUsage();
  const sentAt = new Float64Array(count);
  const rtt = new Float64Array(count);
  let sent = 0;
  let received = 0;
  let blocked = false;
  const t0 = performance.now();
  const call = client.start(ECHO);
  await new Promise<void>((resolve, reject) => {
    const fill = (): void => {
      while (sent < count && sent - received < window) {
        sentAt[sent++] = performance.now();
        if (!call.write(message)) {
          blocked = true;
          return;
        }
      }
    };
    call.listen({
      onMessage: () => {
        rtt[received] = performance.now() - sentAt[received]!;
        received++;
        if (received === count) call.halfClose();
        else if (!blocked) fill();
      },
      onDrain: () => {
        blocked = false;
        fill();
      },
      onStatus: (s) => (received === count && s.code === 0 ? resolve() : reject(new Error(`echo ended ${s.code} ${s.message} after ${received}/${count}`))),
    });
    fill();
  });
  const elapsed = performance.now() - t0;
  const u = process.cpuUsage(cpu0);
  return { messages: count, msgsPerSec: Math.round((count / elapsed) * 1000), ...quantiles(rtt), clientCpuUsPerMsg: +((u.user + u.system) / count).toFixed(2) };
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
