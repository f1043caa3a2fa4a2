/**
 * The bench's child processes. `upstream`: a bidi echo server (gRPC or WebSocket) that
 * reports its CPU time. `proxy`: a switchyard proxy in front of it that reports its CPU
 * time, forwarded messages and peak RSS. `client`: runs one load and returns the result.
 */
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { createGrpcServer } from '../../src/transport/grpc/index.js';
import { createWsServer } from '../../src/transport/ws/index.js';
import { loadProto } from '../../src/schema/load.js';
import { okStatus } from '../../src/transport/status.js';
import type { CallHandler, ServerTransport, TransportName } from '../../src/transport/transport.js';
import { parseProxyConfig } from '../../src/proxy/config.js';
import { startProxy } from '../../src/proxy/proxy.js';
import { engineTransports } from '../../src/proxy/engines.js';
import { forwardedCounts } from '../../src/proxy/proxied-call.js';
import { cpuSinceUs, serveRequests } from './ipc.js';
import { connect, openStreams, paced, throughput } from './load.js';

export const CHAT_PROTO = fileURLToPath(new URL('../../playbooks/chat/chat.proto', import.meta.url));
const LIMITS = { maxConcurrentStreams: 10_000, maxMessageBytes: 1 << 20 };

/** Counters a `BENCH_PRELOAD` module may set on `globalThis.__benchCounters` (diagnosis), reset on read. */
function diagnostics(): Record<string, number> {
  const g = globalThis as { __benchCounters?: Record<string, number> };
  const out = { ...(g.__benchCounters ?? {}) };
  for (const k of Object.keys(g.__benchCounters ?? {})) g.__benchCounters![k] = 0;
  return out;
}

async function upstream(): Promise<void> {
  let server: ServerTransport | undefined;
  let echoed = 0;
  let base = process.cpuUsage();
  const handler: CallHandler = (call) =>
    call.listen({
      onMessage: (m) => {
        echoed++;
        call.write(m);
      },
      onHalfClose: () => call.end(okStatus()),
    });
  serveRequests(async (req) => {
    if (req['op'] === 'start') {
      const schema = await loadProto(CHAT_PROTO);
      const methods = [...schema.methods.values()];
      server = req['transport'] === 'grpc' ? createGrpcServer({ methods, handler, ...LIMITS }) : createWsServer({ methods, handler, ...LIMITS });
      const a = await server.listen();
      return { port: a.port };
    }
    if (req['op'] === 'reset') {
      diagnostics();
      base = process.cpuUsage();
      echoed = 0;
      return {};
    }
    if (req['op'] === 'report') return { cpuUs: cpuSinceUs(base), echoed, ...diagnostics() };
    throw new Error(`unknown op ${String(req['op'])}`);
  });
}

/** GC pauses and event-loop delay in this process since the last reset: where latency outliers come from. */
function pauseMonitor(): { reset(): void; report(): { gcPauses: number; gcMaxMs: number; gcTotalMs: number; loopDelayP99Ms: number; loopDelayMaxMs: number } } {
  let gc = { n: 0, max: 0, total: 0 };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      gc.n++;
      gc.total += e.duration;
      gc.max = Math.max(gc.max, e.duration);
    }
  }).observe({ entryTypes: ['gc'] });
  const resolutionMs = 5;
  const loop = monitorEventLoopDelay({ resolution: resolutionMs });
  loop.enable();
  return {
    reset() {
      gc = { n: 0, max: 0, total: 0 };
      loop.reset();
    },
    // The histogram holds timer intervals: the delay is what exceeds the resolution.
    report: () => ({ gcPauses: gc.n, gcMaxMs: +gc.max.toFixed(2), gcTotalMs: +gc.total.toFixed(1), loopDelayP99Ms: +Math.max(0, loop.percentile(99) / 1e6 - resolutionMs).toFixed(2), loopDelayMaxMs: +Math.max(0, loop.max / 1e6 - resolutionMs).toFixed(2) }),
  };
}

async function proxy(): Promise<void> {
  const pauses = pauseMonitor();
  let base = process.cpuUsage();
  let fwd0 = { ...forwardedCounts };
  let peakRss = 0;
  setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 25).unref();
  serveRequests(async (req) => {
    if (req['op'] === 'start') {
      const listen = req['listen'] as TransportName;
      const config = parseProxyConfig({
        proto: { files: [CHAT_PROTO] },
        listen: { [listen]: '127.0.0.1:0' },
        upstreams: { legacy: String(req['upstream']), next: String(req['upstream']) },
        limits: LIMITS,
      });
      const p = await startProxy(config, { transports: engineTransports() });
      const addr = p.addresses[listen]!;
      return { address: addr, rss: process.memoryUsage.rss() };
    }
    if (req['op'] === 'reset') {
      diagnostics();
      pauses.reset();
      base = process.cpuUsage();
      fwd0 = { ...forwardedCounts };
      peakRss = process.memoryUsage.rss();
      return {};
    }
    if (req['op'] === 'report') {
      return { ...diagnostics(), ...pauses.report(), cpuUs: cpuSinceUs(base), forwarded: forwardedCounts.requests - fwd0.requests + forwardedCounts.responses - fwd0.responses, peakRss: Math.max(peakRss, process.memoryUsage.rss()) };
    }
    throw new Error(`unknown op ${String(req['op'])}`);
  });
}

async function client(): Promise<void> {
  const { encodeMessage } = await import('../../src/schema/codec.js');
  const schema = await loadProto(CHAT_PROTO);
  // A chat Message of about 60 bytes, as in the transport bench.
  const message = encodeMessage(schema.type('chat.Message'), { content: 'the quick brown fox jumps over the lazy dog', sender: 'bench-user', room: 'r1' });
  serveRequests(async (req) => {
    const t = req['transport'] as TransportName;
    const address = String(req['address']);
    if (req['op'] === 'throughput') {
      const c = connect(t, address);
      try {
        return await throughput(c, message, Number(req['count']), Number(req['window']));
      } finally {
        await c.close();
      }
    }
    if (req['op'] === 'paced') {
      const c = connect(t, address);
      try {
        return await paced(c, message, Number(req['rate']), Number(req['durationMs']));
      } finally {
        await c.close();
      }
    }
    if (req['op'] === 'streams') return openStreams(t, address, message, Number(req['streams']), Number(req['connections']), Number(req['holdMs']));
    throw new Error(`unknown op ${String(req['op'])}`);
  });
}

const role = process.argv[2];
if (role === 'upstream') await upstream();
else if (role === 'proxy') await proxy();
else if (role === 'client') await client();
else throw new Error(`unknown role ${role}`);
