/**
 * `npm run bench:proxy`: the proxy against direct calls, in one run, with client, proxy and
 * upstream echo servers in separate processes.
 *
 * For each combination (client transport → upstream transport) and each throughput variant
 * (variants.ts: the one-stream transport echo, 64 streams, and an application echo):
 * bidi echo throughput and round-trip p50/p99 direct (a client of the upstream's transport
 * straight to it), proxied (a client of the client transport through the proxy) and
 * through the reference floors (floors.ts: a TCP byte pipe; for gRPC → gRPC also a bare
 * node:http2 relay); the proxy's CPU time per forwarded message and per round trip next to
 * the echo server's CPU time per echoed message. Per combination also: added p99 at a fixed
 * rate and peak proxy RSS with many open streams.
 *
 *     npm run bench:proxy -- [--json] [--count 200000] [--runs 5] [--warmup 300000] [--rate 5000]
 *                            [--paced-ms 3000] [--paced-runs 3] [--streams 2000] [--only grpc-grpc,ws-ws]
 *                            [--variants transport-1-stream,transport-64-streams,application-64-streams]
 *                            [--no-floors] [--cpu-prof] [--compare-tree DIR] [--compare-env K=V,K=V]
 *
 * Throughput: the median of `--runs` alternating runs of every path after a warm-up; the
 * fixed-rate p99: the median of `--paced-runs` alternating runs.
 *
 * `--compare-tree` / `--compare-env` add a second proxy (another checkout's, or with extra
 * environment variables) measured in the same alternating runs as `alternative`.
 *
 * `--cpu-prof` writes a V8 CPU profile of each proxy process to bench-data/proxy-prof/
 * (summarise with `bench/proxy/analyze-profile.ts`). `BENCH_PRELOAD=file.mts` loads a module
 * into every role first (e.g. to count socket sends into `globalThis.__benchCounters`).
 */
import os from 'node:os';
import path from 'node:path';
import { mkdirSync } from 'node:fs';
import type { TransportName } from '../../src/transport/transport.js';
import { spawnRole, type Child } from './ipc.js';
import type { Latency } from './load.js';
import { measureVariant, round, type Setup } from './measure.js';
import { printTable, type Combination, type ThroughputFigures } from './report.js';
import { TARGETS, VARIANTS, alternative, flag, onlyCombinations, onlyVariants, settings } from './variants.js';

const json = flag('json');
const log = (line: string): void => {
  if (!json) process.stderr.write(line + '\n');
};
const variants = VARIANTS.filter((v) => !onlyVariants || onlyVariants.has(v.id));
const median = <T>(xs: T[], key: (x: T) => number): T => [...xs].sort((a, b) => key(a) - key(b))[Math.floor(xs.length / 2)]!;

interface UpstreamProcess {
  child: Child;
  port: number;
  appPort: number;
}

async function startFloors(c: TransportName, u: TransportName, up: UpstreamProcess): Promise<Array<{ name: 'pipe' | 'h2relay'; child: Child; addresses: string[] }>> {
  if (!settings.floors) return [];
  const kinds: Array<'pipe' | 'h2relay'> = c === 'grpc' && u === 'grpc' ? ['pipe', 'h2relay'] : ['pipe'];
  return Promise.all(
    kinds.map(async (name) => {
      const child = spawnRole(name);
      const { addresses } = await child.ask<{ addresses: string[] }>({ op: 'start', ports: [up.port, up.appPort] });
      return { name, child, addresses };
    }),
  );
}

async function runCombination(c: TransportName, u: TransportName, up: UpstreamProcess, client: Child): Promise<Combination> {
  const prof = flag('cpu-prof') ? ['--cpu-prof', '--cpu-prof-dir', path.resolve(`bench-data/proxy-prof/${c}-${u}`)] : [];
  if (prof.length) mkdirSync(`bench-data/proxy-prof/${c}-${u}`, { recursive: true });
  const proxy = spawnRole('proxy', prof);
  const alt = alternative ? spawnRole('proxy', [], alternative) : undefined;
  const floors = await startFloors(c, u, up);
  try {
    // legacy: the transport-level echo; next: the application echo (chosen per call by the override header).
    const upstreams = { legacy: `${u}://127.0.0.1:${up.port}`, next: `${u}://127.0.0.1:${up.appPort}` };
    const { address: proxyAddress } = await proxy.ask<{ address: string }>({ op: 'start', listen: c, upstreams });
    const altAddress = alt ? (await alt.ask<{ address: string }>({ op: 'start', listen: c, upstreams })).address : undefined;
    const throughput: Record<string, ThroughputFigures> = {};
    let first = true;
    for (const v of variants) {
      const app = v.echo === 'application';
      const setup: Setup = {
        client,
        upstream: up.child,
        c,
        u,
        echoAddress: `127.0.0.1:${app ? up.appPort : up.port}`,
        proxy,
        proxyAddress,
        floors: floors.map((f) => ({ name: f.name, child: f.child, address: f.addresses[app ? 1 : 0]! })),
        routeMetadata: app ? { 'x-switchyard-route': 'next' } : {},
        ...(alt && altAddress ? { alternative: { child: alt, address: altAddress } } : {}),
      };
      // V8 needs a few hundred thousand messages per path before the figures settle.
      const warmup = first ? settings.warmup : Math.round(settings.warmup / 3);
      log(`  ${c} → ${u} [${v.id}]: warming up (${warmup} messages per path)`);
      throughput[v.id] = await measureVariant(setup, v, warmup, log);
      first = false;
    }
    const direct = `127.0.0.1:${up.port}`;
    log(`  ${c} → ${u}: ${settings.rate} msg/s for ${settings.pacedMs} ms, direct and proxied, ${settings.pacedRuns} times`);
    const pdRuns: Latency[] = [];
    const ppRuns: Latency[] = [];
    const pauses: Array<{ gcMaxMs: number; loopDelayP99Ms: number; loopDelayMaxMs: number }> = [];
    for (let i = 0; i < settings.pacedRuns; i++) {
      pdRuns.push(await client.ask<Latency>({ op: 'paced', transport: u, address: direct, rate: settings.rate, durationMs: settings.pacedMs }));
      await proxy.ask({ op: 'reset' });
      ppRuns.push(await client.ask<Latency>({ op: 'paced', transport: c, address: proxyAddress, rate: settings.rate, durationMs: settings.pacedMs }));
      pauses.push(await proxy.ask({ op: 'report' }));
    }
    const pd = median(pdRuns, (x) => x.p99Ms);
    const pp = median(ppRuns, (x) => x.p99Ms);

    log(`  ${c} → ${u}: ${settings.streams} open streams through the proxy`);
    await proxy.ask({ op: 'reset' });
    const idle = await proxy.ask<{ peakRss: number }>({ op: 'report' });
    const streams = await client.ask<{ opened: number; failed: number; echoes: number }>({ op: 'streams', transport: c, address: proxyAddress, streams: settings.streams, connections: settings.streamConnections, holdMs: settings.streamHoldMs });
    const after = await proxy.ask<{ peakRss: number }>({ op: 'report' });
    const added = pp.p99Ms - pd.p99Ms;
    const peakMB = after.peakRss / 2 ** 20;
    return {
      name: `${c}->${u}`,
      throughput,
      paced: {
        ratePerSec: settings.rate,
        directP50Ms: pd.p50Ms,
        directP99Ms: pd.p99Ms,
        proxiedP50Ms: pp.p50Ms,
        proxiedP99Ms: pp.p99Ms,
        addedP99Ms: round(added),
        addedP50Ms: round(pp.p50Ms - pd.p50Ms),
        allRunsP99Ms: { direct: pdRuns.map((x) => x.p99Ms), proxied: ppRuns.map((x) => x.p99Ms) },
        // Where proxied outliers come from: the proxy's event loop delayed (scheduling, other load) or GC.
        proxyLoopDelayP99Ms: median(pauses, (x) => x.loopDelayP99Ms).loopDelayP99Ms,
        proxyLoopDelayMaxMs: Math.max(...pauses.map((x) => x.loopDelayMaxMs)),
        proxyGcMaxMs: Math.max(...pauses.map((x) => x.gcMaxMs)),
        pass: added < TARGETS.addedP99Ms,
      },
      streams: { requested: settings.streams, ...streams, idleRssMB: round(idle.peakRss / 2 ** 20, 1), peakRssMB: round(peakMB, 1), pass: peakMB < TARGETS.rssMB && streams.opened === settings.streams && streams.failed === 0 },
    };
  } finally {
    await proxy.stop();
    await alt?.stop();
    for (const f of floors) await f.child.stop();
  }
}

/** Which targets pass, per variant and per combination. */
function verdict(results: Combination[]): Record<string, unknown> {
  const per = (pick: (t: ThroughputFigures) => boolean) =>
    Object.fromEntries(variants.map((v) => [v.id, Object.fromEntries(results.filter((r) => r.throughput[v.id]).map((r) => [r.name, pick(r.throughput[v.id]!)]))]));
  return {
    throughput: per((t) => t.throughputPass),
    cpuPerForwardedMsg: per((t) => t.cpuPassPerForwardedMsg),
    cpuPerRoundTrip: per((t) => t.cpuPassPerRoundTrip),
    addedP99: Object.fromEntries(results.map((r) => [r.name, r.paced.pass])),
    rss: Object.fromEntries(results.map((r) => [r.name, r.streams.pass])),
  };
}

async function main(): Promise<void> {
  const combos: Array<[TransportName, TransportName]> = [
    ['grpc', 'grpc'],
    ['ws', 'ws'],
    ['grpc', 'ws'],
    ['ws', 'grpc'],
  ];
  const startLoad = os.loadavg()[0]!;
  const client = spawnRole('client');
  const upstreams = new Map<TransportName, UpstreamProcess>();
  const results: Combination[] = [];
  try {
    for (const [c, u] of combos) {
      if (onlyCombinations && !onlyCombinations.has(`${c}-${u}`)) continue;
      let up = upstreams.get(u);
      if (!up) {
        const child = spawnRole('upstream');
        const { port, appPort } = await child.ask<{ port: number; appPort: number }>({ op: 'start', transport: u });
        upstreams.set(u, (up = { child, port, appPort }));
      }
      log(`${c} client → proxy → ${u} upstream`);
      results.push(await runCombination(c, u, up, client));
    }
  } finally {
    await client.stop();
    for (const u of upstreams.values()) await u.child.stop();
  }
  // Crossed combinations: also against direct calls on the client's own transport.
  for (const r of results) {
    const [c, u] = r.name.split('->');
    const own = results.find((x) => x.name === `${c}->${c}`);
    if (c === u || !own) continue;
    for (const [id, t] of Object.entries(r.throughput)) {
      const o = own.throughput[id];
      if (o) t.throughputRatioVsClientTransportDirect = round(t.proxied.msgsPerSec / o.direct.msgsPerSec);
    }
  }
  const machine = { cpus: os.cpus().length, model: os.cpus()[0]?.model ?? 'unknown', node: process.version, loadAvg1mAtStart: round(startLoad, 2), loadAvg1mAtEnd: round(os.loadavg()[0]!, 2) };
  const out = {
    machine,
    settings: { ...settings, messageBytes: 60 },
    targets: TARGETS,
    variants: variants.map((v) => ({ id: v.id, echo: v.echo, shape: v.shape, description: v.description })),
    combinations: Object.fromEntries(results.map((r) => [r.name, r])),
    verdict: verdict(results),
  };
  if (json) process.stdout.write(JSON.stringify(out) + '\n');
  else printTable(machine, variants, results);
}

await main();
