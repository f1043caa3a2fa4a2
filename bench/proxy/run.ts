/**
 * `npm run bench:proxy`: the proxy against direct calls, in one run, with client, proxy and
 * upstream echo server in separate processes.
 *
 * For each combination (client transport → upstream transport): bidi echo throughput and
 * round-trip p50/p99, direct (a client of the upstream's transport straight to it) and
 * proxied (a client of the client transport through the proxy); the proxy's CPU time per
 * forwarded message next to the echo server's CPU time per echoed message; added p99 at a
 * fixed rate; peak proxy RSS with many open streams.
 *
 *     npm run bench:proxy -- [--json] [--count 200000] [--window 500] [--runs 5] [--warmup 300000] [--rate 5000]
 *                            [--paced-ms 3000] [--paced-runs 3] [--streams 2000] [--only grpc-grpc,ws-ws] [--cpu-prof]
 *
 * Throughput: the median of `--runs` alternating direct/proxied runs after a warm-up; the
 * fixed-rate p99: the median of `--paced-runs` alternating runs.
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
import type { Latency, ThroughputResult } from './load.js';
import { printTable, type Combination } from './report.js';

const argv = process.argv.slice(2);
const flag = (name: string): boolean => argv.includes(`--${name}`);
const num = (name: string, fallback: number): number => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
};
const only = (() => {
  const i = argv.indexOf('--only');
  return i >= 0 ? new Set(argv[i + 1]!.split(',')) : undefined;
})();

const settings = {
  count: num('count', 200_000),
  window: num('window', 500),
  runs: num('runs', 5),
  warmup: num('warmup', 300_000),
  rate: num('rate', 5_000),
  pacedMs: num('paced-ms', 3_000),
  pacedRuns: num('paced-runs', 3),
  streams: num('streams', 2_000),
  streamConnections: num('stream-connections', 4),
  streamHoldMs: num('stream-hold-ms', 3_000),
};
const TARGETS = { sameTransport: 0.75, crossed: 0.6, addedP99Ms: 1, rssMB: 300 };
const json = flag('json');
const log = (s: string): void => {
  if (!json) process.stderr.write(s + '\n');
};

interface CpuReport {
  cpuUs: number;
}

async function measureThroughput(client: Child, transport: TransportName, address: string, count: number, watch: Array<[string, Child]>): Promise<ThroughputResult & { cpuUs: Record<string, number>; forwarded: number }> {
  await Promise.all(watch.map(([, c]) => c.ask({ op: 'reset' })));
  const r = await client.ask<ThroughputResult & { error?: string }>({ op: 'throughput', transport, address, count, window: settings.window });
  if (r.error) throw new Error(r.error);
  const reports = await Promise.all(watch.map(([, c]) => c.ask<CpuReport & { forwarded?: number }>({ op: 'report' })));
  const cpuUs: Record<string, number> = {};
  let forwarded = 0;
  watch.forEach(([name], i) => {
    cpuUs[name] = reports[i]!.cpuUs;
    forwarded += reports[i]!.forwarded ?? 0;
  });
  return { ...r, cpuUs, forwarded };
}

const median = <T>(xs: T[], key: (x: T) => number): T => [...xs].sort((a, b) => key(a) - key(b))[Math.floor(xs.length / 2)]!;
const round = (x: number, d = 2): number => +x.toFixed(d);

async function runCombination(c: TransportName, u: TransportName, upstream: Child, upstreamPort: number, client: Child): Promise<Combination> {
  const prof = flag('cpu-prof') ? ['--cpu-prof', '--cpu-prof-dir', path.resolve(`bench-data/proxy-prof/${c}-${u}`)] : [];
  if (prof.length) mkdirSync(`bench-data/proxy-prof/${c}-${u}`, { recursive: true });
  const proxy = spawnRole('proxy', prof);
  try {
    const upstreamUrl = `${u}://127.0.0.1:${upstreamPort}`;
    const { address: proxyAddress } = await proxy.ask<{ address: string }>({ op: 'start', listen: c, upstream: upstreamUrl });
    const direct = `127.0.0.1:${upstreamPort}`;
    // V8 needs a few hundred thousand messages per path before the figures settle.
    log(`  ${c} → ${u}: warming up (${settings.warmup} messages per path)`);
    for (let done = 0; done < settings.warmup; done += 100_000) {
      await measureThroughput(client, u, direct, 100_000, []);
      await measureThroughput(client, c, proxyAddress, 100_000, []);
    }
    const d: Array<Awaited<ReturnType<typeof measureThroughput>>> = [];
    const p: Array<Awaited<ReturnType<typeof measureThroughput>>> = [];
    for (let i = 0; i < settings.runs; i++) {
      d.push(await measureThroughput(client, u, direct, settings.count, [['upstream', upstream]]));
      p.push(await measureThroughput(client, c, proxyAddress, settings.count, [['upstream', upstream], ['proxy', proxy]]));
      log(`  ${c} → ${u}: run ${i + 1}: direct ${d.at(-1)!.msgsPerSec} msg/s, proxied ${p.at(-1)!.msgsPerSec} msg/s`);
    }
    const dm = median(d, (x) => x.msgsPerSec);
    const pm = median(p, (x) => x.msgsPerSec);
    const echoCpu = dm.cpuUs['upstream']! / dm.messages;
    const echoCpuProxied = pm.cpuUs['upstream']! / pm.messages;
    const proxyPerForwarded = pm.cpuUs['proxy']! / pm.forwarded;
    const proxyPerRoundTrip = pm.cpuUs['proxy']! / pm.messages;

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

    const crossed = c !== u;
    const ratio = pm.msgsPerSec / dm.msgsPerSec;
    const target = crossed ? TARGETS.crossed : TARGETS.sameTransport;
    const added = pp.p99Ms - pd.p99Ms;
    const peakMB = after.peakRss / 2 ** 20;
    return {
      name: `${c}->${u}`,
      direct: { msgsPerSec: dm.msgsPerSec, p50Ms: dm.p50Ms, p99Ms: dm.p99Ms, echoCpuUsPerMsg: round(echoCpu), clientCpuUsPerMsg: dm.clientCpuUsPerMsg, allRuns: d.map((x) => x.msgsPerSec) },
      proxied: {
        msgsPerSec: pm.msgsPerSec,
        p50Ms: pm.p50Ms,
        p99Ms: pm.p99Ms,
        echoCpuUsPerMsg: round(echoCpuProxied),
        clientCpuUsPerMsg: pm.clientCpuUsPerMsg,
        proxyCpuUsPerForwardedMsg: round(proxyPerForwarded),
        proxyCpuUsPerRoundTrip: round(proxyPerRoundTrip),
        allRuns: p.map((x) => x.msgsPerSec),
      },
      throughputRatio: round(ratio, 3),
      throughputTarget: target,
      throughputPass: ratio >= target,
      proxyCpuPerForwardedMsgVsEcho: round(proxyPerForwarded / echoCpu, 3),
      proxyCpuPerRoundTripVsEcho: round(proxyPerRoundTrip / echoCpu, 3),
      cpuPass: proxyPerForwarded <= echoCpu,
      paced: {
        ratePerSec: settings.rate,
        directP50Ms: pd.p50Ms,
        directP99Ms: pd.p99Ms,
        proxiedP50Ms: pp.p50Ms,
        proxiedP99Ms: pp.p99Ms,
        addedP99Ms: round(added, 3),
        addedP50Ms: round(pp.p50Ms - pd.p50Ms, 3),
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
  }
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
  const upstreams = new Map<TransportName, { child: Child; port: number }>();
  const results: Combination[] = [];
  try {
    for (const [c, u] of combos) {
      if (only && !only.has(`${c}-${u}`)) continue;
      let up = upstreams.get(u);
      if (!up) {
        const child = spawnRole('upstream');
        const { port } = await child.ask<{ port: number }>({ op: 'start', transport: u });
        upstreams.set(u, (up = { child, port }));
      }
      log(`${c} client → proxy → ${u} upstream`);
      results.push(await runCombination(c, u, up.child, up.port, client));
    }
  } finally {
    await client.stop();
    for (const u of upstreams.values()) await u.child.stop();
  }
  // Crossed combinations: also against direct calls on the client's own transport.
  for (const r of results) {
    const [c, u] = r.name.split('->');
    const own = results.find((x) => x.name === `${c}->${c}`);
    if (c !== u && own) r.throughputRatioVsClientTransportDirect = round(r.proxied.msgsPerSec / own.direct.msgsPerSec, 3);
  }
  const out = {
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model ?? 'unknown', node: process.version, loadAvg1mAtStart: round(startLoad), loadAvg1mAtEnd: round(os.loadavg()[0]!) },
    settings: { ...settings, messageBytes: 60 },
    targets: TARGETS,
    combinations: Object.fromEntries(results.map((r) => [r.name, r])),
    allPass: results.every((r) => r.throughputPass && r.cpuPass && r.paced.pass && r.streams.pass),
  };
  if (json) process.stdout.write(JSON.stringify(out) + '\n');
  else printTable(out.machine, results);
}

await main();
