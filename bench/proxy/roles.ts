/**
 * The bench's child processes. `upstream`: two bidi echo servers on one transport (gRPC or
 * WebSocket) that report their process's CPU time: a transport-level echo (each request's
 * bytes written back) and an application echo on the RPC API (each request decoded, given
 * a stored id and time, and encoded again, as the chat backends do). `proxy`: a switchyard
 * proxy (legacy upstream: the transport echo; next: the application echo) that reports its
 * CPU time, forwarded messages and peak RSS. `client`: runs one load and returns the
 * result. `pipe`, `h2relay`: the reference floors of `floors.ts`.
 */
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { createGrpcServer } from '../../src/transport/grpc/index.js';
import { createWsServer } from '../../src/transport/ws/index.js';
import { loadProto } from '../../src/schema/load.js';
import { okStatus } from '../../src/transport/status.js';
import { createServer, type Message } from '../../src/rpc/index.js';
import type { CallHandler, ServerTransport, TransportName } from '../../src/transport/transport.js';
import { parseProxyConfig } from '../../src/proxy/config.js';
import { startProxy } from '../../src/proxy/proxy.js';
import { engineTransports } from '../../src/proxy/engines.js';
import { forwardedCounts } from '../../src/proxy/proxied-call.js';
import { cpuSinceUs, serveRequests } from './ipc.js';
import { floorRole } from './floors.js';
import { connect, openStreams, paced, throughput, type LoadShape } from './load.js';

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
  const servers: Array<{ shutdown(graceMs?: number): Promise<void> }> = [];
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
      const transport = req['transport'] as TransportName;
      const server: ServerTransport = transport === 'grpc' ? createGrpcServer({ methods, handler, ...LIMITS }) : createWsServer({ methods, handler, ...LIMITS });
      servers.push(server);
      const a = await server.listen();
      // The application echo: decode, store-like id and time, encode (the RPC API does both codecs).
      let stored = 0;
      const app = createServer({ schema, [transport]: { ...LIMITS } }).service('chat.ChatService', {
        ExchangeMessages: async function* (requests: AsyncIterable<Message>) {
          for await (const m of requests) {
            echoed++;
            yield { ...m, id: `m-${++stored}`, sentAt: new Date() };
          }
        },
      });
      servers.push(app);
      const bound = await app.listen();
      return { port: a.port, appPort: (bound.grpc ?? bound.ws)!.port };
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
      const upstreams = req['upstreams'] as { legacy: string; next: string };
      const config = parseProxyConfig({
        proto: { files: [CHAT_PROTO] },
        listen: { [listen]: '127.0.0.1:0' },
        upstreams,
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
      const forwarded = forwardedCounts.requests - fwd0.requests + forwardedCounts.responses - fwd0.responses;
      return { counters: diagnostics(), ...pauses.report(), cpuUs: cpuSinceUs(base), forwarded, relayed: forwardedCounts.relayed - fwd0.relayed, peakRss: Math.max(peakRss, process.memoryUsage.rss()) };
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
    if (req['op'] === 'throughput') return throughput(t, address, message, Number(req['count']), req['shape'] as LoadShape, (req['metadata'] as Record<string, string>) ?? {});
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
else if (role === 'pipe' || role === 'h2relay') floorRole(role);
else throw new Error(`unknown role ${role}`);
