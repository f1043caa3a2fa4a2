/**
 * Throughput of one variant of one combination: direct, proxied and the reference floors,
 * in alternating runs after a warm-up, with the CPU time of every process in the path.
 */
import type { TransportName } from '../../src/transport/transport.js';
import type { Child } from './ipc.js';
import type { ThroughputResult } from './load.js';
import type { PathFigures, ThroughputFigures } from './report.js';
import { TARGETS, settings, type Variant } from './variants.js';

/** One way from the client to an echo server. */
interface PathSpec {
  transport: TransportName;
  address: string;
  metadata?: Record<string, string>;
  /** The process in the middle (proxy or floor), if any. */
  middle?: Child;
}

/** Where the combination's processes are. */
export interface Setup {
  client: Child;
  upstream: Child;
  /** Client transport and upstream transport. */
  c: TransportName;
  u: TransportName;
  /** Echo server address for this variant's echo. */
  echoAddress: string;
  proxy: Child;
  proxyAddress: string;
  /** Floors in front of this variant's echo: name → process and address. */
  floors: Array<{ name: 'pipe' | 'h2relay'; child: Child; address: string }>;
  /** Proxy metadata choosing the variant's upstream. */
  routeMetadata: Record<string, string>;
  /** A second proxy measured in the same runs (`--compare-tree` / `--compare-env`). */
  alternative?: { child: Child; address: string };
}

interface Run extends ThroughputResult {
  upstreamCpuUs: number;
  middleCpuUs: number;
  forwarded: number;
  relayed: number;
  /** `BENCH_PRELOAD` counters of the middle process (see roles.ts `diagnostics`). */
  middleCounters: Record<string, number>;
}

async function runOnce(s: Setup, p: PathSpec, count: number, variant: Variant): Promise<Run> {
  const watch = p.middle ? [s.upstream, p.middle] : [s.upstream];
  await Promise.all(watch.map((c) => c.ask({ op: 'reset' })));
  const r = await s.client.ask<ThroughputResult & { error?: string }>({ op: 'throughput', transport: p.transport, address: p.address, count, shape: variant.shape, metadata: p.metadata ?? {} });
  if (r.error) throw new Error(r.error);
  const reports = await Promise.all(watch.map((c) => c.ask<{ cpuUs: number; forwarded?: number; relayed?: number; counters?: Record<string, number> }>({ op: 'report' })));
  const m = reports[1];
  return { ...r, upstreamCpuUs: reports[0]!.cpuUs, middleCpuUs: m?.cpuUs ?? 0, forwarded: m?.forwarded ?? 0, relayed: m?.relayed ?? 0, middleCounters: m?.counters ?? {} };
}

const median = <T>(xs: T[], key: (x: T) => number): T => [...xs].sort((a, b) => key(a) - key(b))[Math.floor(xs.length / 2)]!;
export const round = (x: number, d = 3): number => +x.toFixed(d);

function figures(runs: Run[]): PathFigures & { median: Run } {
  const m = median(runs, (x) => x.msgsPerSec);
  return {
    median: m,
    msgsPerSec: m.msgsPerSec,
    p50Ms: m.p50Ms,
    p99Ms: m.p99Ms,
    echoCpuUsPerMsg: round(median(runs.map((r) => r.upstreamCpuUs / r.messages), (x) => x)),
    clientCpuUsPerMsg: m.clientCpuUsPerMsg,
    allRuns: runs.map((x) => x.msgsPerSec),
  };
}

/** Measures `variant` on the combination set up in `s`; `warmup` messages per path first. */
export async function measureVariant(s: Setup, variant: Variant, warmup: number, log: (line: string) => void): Promise<ThroughputFigures> {
  const paths: Array<[string, PathSpec]> = [
    ['direct', { transport: s.u, address: s.echoAddress }],
    ['proxied', { transport: s.c, address: s.proxyAddress, metadata: s.routeMetadata, middle: s.proxy }],
    ...(s.alternative ? [['alternative', { transport: s.c, address: s.alternative.address, metadata: s.routeMetadata, middle: s.alternative.child }] as [string, PathSpec]] : []),
    ...s.floors.map((f): [string, PathSpec] => [f.name, { transport: s.u, address: f.address, middle: f.child }]),
  ];
  const chunk = Math.min(100_000, settings.count);
  for (let done = 0; done < warmup; done += chunk) for (const [, p] of paths) await runOnce(s, p, chunk, variant);
  const runs = new Map<string, Run[]>(paths.map(([n]) => [n, []]));
  for (let i = 0; i < settings.runs; i++) {
    for (const [name, p] of paths) runs.get(name)!.push(await runOnce(s, p, settings.count, variant));
    log(`  ${s.c} → ${s.u} [${variant.id}] run ${i + 1}: ${paths.map(([n]) => `${n} ${runs.get(n)!.at(-1)!.msgsPerSec}`).join(', ')} msg/s`);
  }
  const d = figures(runs.get('direct')!);
  const p = figures(runs.get('proxied')!);
  // CPU per message: the median over the runs (steadier than the one run with the median throughput).
  const perMessage = (rs: Run[], cpu: (r: Run) => number, per: (r: Run) => number): number => {
    const xs = rs.map((r) => cpu(r) / per(r));
    return median(xs, (x) => x);
  };
  const echoCpu = perMessage(runs.get('direct')!, (r) => r.upstreamCpuUs, (r) => r.messages);
  const perForwarded = perMessage(runs.get('proxied')!, (r) => r.middleCpuUs, (r) => r.forwarded);
  const perRoundTrip = perMessage(runs.get('proxied')!, (r) => r.middleCpuUs, (r) => r.messages);
  const countersOf = (rs: Run[]): Record<string, number> => Object.fromEntries(Object.keys(rs[0]?.middleCounters ?? {}).map((k) => [k, round(perMessage(rs, (r) => r.middleCounters[k] ?? 0, (r) => r.messages), 4)]));
  const counters = countersOf(runs.get('proxied')!);
  const counterNames = Object.keys(counters);
  const altRuns = runs.get('alternative');
  const alternative = altRuns
    ? {
        msgsPerSec: figures(altRuns).msgsPerSec,
        ratio: round(figures(altRuns).msgsPerSec / d.msgsPerSec),
        pairedRatios: altRuns.map((x, i) => round(x.msgsPerSec / runs.get('direct')![i]!.msgsPerSec)),
        proxyCpuUsPerRoundTrip: round(perMessage(altRuns, (r) => r.middleCpuUs, (r) => r.messages)),
        clientCpuUsPerMsg: figures(altRuns).clientCpuUsPerMsg,
        countersPerRoundTrip: countersOf(altRuns),
      }
    : undefined;
  const ratio = p.msgsPerSec / d.msgsPerSec;
  const target = s.c === s.u ? TARGETS.sameTransport : TARGETS.crossed;
  const paired = runs.get('proxied')!.map((x, i) => round(x.msgsPerSec / runs.get('direct')![i]!.msgsPerSec));
  const floors: ThroughputFigures['floors'] = {};
  for (const f of s.floors) {
    const fr = figures(runs.get(f.name)!);
    const cpu = perMessage(runs.get(f.name)!, (r) => r.middleCpuUs, (r) => r.messages);
    floors[f.name] = { msgsPerSec: fr.msgsPerSec, ratio: round(fr.msgsPerSec / d.msgsPerSec), cpuUsPerRoundTrip: round(cpu), cpuPerRoundTripVsEcho: round(cpu / echoCpu), allRuns: fr.allRuns };
  }
  const { median: _d, ...direct } = d;
  const { median: _p, ...proxied } = p;
  return {
    variant: variant.id,
    direct,
    proxied: { ...proxied, proxyCpuUsPerForwardedMsg: round(perForwarded), proxyCpuUsPerRoundTrip: round(perRoundTrip), forwardedPerRoundTrip: round(p.median.forwarded / p.median.messages, 2), relayedShare: round(p.median.relayed / p.median.forwarded), ...(counterNames.length ? { countersPerRoundTrip: counters } : {}) },
    floors,
    ...(alternative ? { alternative } : {}),
    throughputRatio: round(ratio),
    pairedRatios: paired,
    throughputTarget: target,
    throughputPass: ratio >= target,
    proxyCpuPerForwardedMsgVsEcho: round(perForwarded / echoCpu),
    proxyCpuPerRoundTripVsEcho: round(perRoundTrip / echoCpu),
    cpuPassPerForwardedMsg: perForwarded <= echoCpu,
    cpuPassPerRoundTrip: perRoundTrip <= echoCpu,
  };
}
