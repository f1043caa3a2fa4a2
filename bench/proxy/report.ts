/** The bench's result shape and its human-readable table. */

/** Throughput figures of one path (the median run by msg/s). */
export interface PathFigures {
  msgsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  /** Upstream echo server's CPU per echoed message, µs. */
  echoCpuUsPerMsg: number;
  clientCpuUsPerMsg: number;
  allRuns: number[];
}

/** A reference floor (see floors.ts) in front of the same echo server. */
export interface FloorFigures {
  msgsPerSec: number;
  /** Floor ÷ direct: the most any proxy process in the path could reach. */
  ratio: number;
  cpuUsPerRoundTrip: number;
  cpuPerRoundTripVsEcho: number;
  allRuns: number[];
}

/** One throughput variant of one combination. */
export interface ThroughputFigures {
  variant: string;
  direct: PathFigures;
  proxied: PathFigures & {
    /** Proxy CPU per message moved in one direction (a round trip moves two). */
    proxyCpuUsPerForwardedMsg: number;
    /** Proxy CPU per echoed round trip (request + response). */
    proxyCpuUsPerRoundTrip: number;
    /** Messages the proxy counted as forwarded per round trip (2 when every message crossed it). */
    forwardedPerRoundTrip: number;
    /** Share of the forwarded messages the engines relayed in runs (the rest went through the listeners one by one). */
    relayedShare: number;
    /** Counters a `BENCH_PRELOAD` module reported from the proxy, per round trip (median of the runs; diagnosis). */
    countersPerRoundTrip?: Record<string, number>;
  };
  floors: Partial<Record<'pipe' | 'h2relay', FloorFigures>>;
  /** The second proxy of `--compare-tree` / `--compare-env`, measured in the same runs. */
  alternative?: { msgsPerSec: number; ratio: number; pairedRatios: number[]; proxyCpuUsPerRoundTrip: number; clientCpuUsPerMsg: number; countersPerRoundTrip: Record<string, number> };
  /** Proxied ÷ direct (medians), direct being a client of the upstream's transport straight to the upstream. */
  throughputRatio: number;
  /** Proxied ÷ direct of each alternating pair of runs (how noisy the machine was). */
  pairedRatios: number[];
  /** Crossed combinations only: proxied ÷ direct on the client's own transport. */
  throughputRatioVsClientTransportDirect?: number;
  throughputTarget: number;
  throughputPass: boolean;
  proxyCpuPerForwardedMsgVsEcho: number;
  proxyCpuPerRoundTripVsEcho: number;
  cpuPassPerForwardedMsg: boolean;
  cpuPassPerRoundTrip: boolean;
}

/** The figures of one client → upstream combination. */
export interface Combination {
  name: string;
  throughput: Record<string, ThroughputFigures>;
  paced: { ratePerSec: number; directP50Ms: number; directP99Ms: number; proxiedP50Ms: number; proxiedP99Ms: number; addedP99Ms: number; addedP50Ms: number; allRunsP99Ms: { direct: number[]; proxied: number[] }; proxyLoopDelayP99Ms: number; proxyLoopDelayMaxMs: number; proxyGcMaxMs: number; pass: boolean };
  streams: { requested: number; opened: number; failed: number; echoes: number; idleRssMB: number; peakRssMB: number; pass: boolean };
}

/** The machine the bench ran on. */
export interface Machine {
  cpus: number;
  model: string;
  node: string;
  loadAvg1mAtStart: number;
  loadAvg1mAtEnd: number;
}

const ok = (b: boolean): string => (b ? 'ok' : 'MISS');
const pad = (s: string | number, n: number): string => String(s).padStart(n);

function throughputLines(variant: { id: string; description: string }, rows: Combination[]): string[] {
  const lines = [`throughput — ${variant.id}: ${variant.description}`];
  lines.push('  combination    direct msg/s  proxied msg/s  ratio (target)      paired ratios         floors: pipe / h2relay ratio   p50/p99 direct ms  p50/p99 proxied ms');
  for (const r of rows) {
    const t = r.throughput[variant.id];
    if (!t) continue;
    const floors = `${t.floors.pipe?.ratio ?? '-'} / ${t.floors.h2relay?.ratio ?? '-'}`;
    const paired = `${Math.min(...t.pairedRatios)}–${Math.max(...t.pairedRatios)}`;
    lines.push(
      `  ${r.name.padEnd(12)} ${pad(t.direct.msgsPerSec, 13)}  ${pad(t.proxied.msgsPerSec, 13)}  ${t.throughputRatio.toFixed(2)} (≥${t.throughputTarget}) ${ok(t.throughputPass).padEnd(4)}  ${pad(paired, 12)}${t.throughputRatioVsClientTransportDirect === undefined ? '' : ` own ${t.throughputRatioVsClientTransportDirect.toFixed(2)}`.padEnd(9)} ${pad(floors, 26)}   ${pad(`${t.direct.p50Ms}/${t.direct.p99Ms}`, 17)}  ${pad(`${t.proxied.p50Ms}/${t.proxied.p99Ms}`, 18)}`,
    );
  }
  for (const r of rows) {
    const a = r.throughput[variant.id]?.alternative;
    if (!a) continue;
    lines.push(`  ${r.name.padEnd(12)} alternative proxy (--compare-*): ${a.msgsPerSec} msg/s, ratio ${a.ratio.toFixed(2)}, paired ${Math.min(...a.pairedRatios)}–${Math.max(...a.pairedRatios)}, proxy CPU ${a.proxyCpuUsPerRoundTrip.toFixed(2)} µs/round trip`);
  }
  lines.push('  CPU µs/msg     echo server  proxy/forwarded  proxy/round trip  proxy÷echo fwd, rt        pipe/round trip  client  relayed');
  for (const r of rows) {
    const t = r.throughput[variant.id];
    if (!t) continue;
    lines.push(
      `  ${r.name.padEnd(12)} ${pad(t.direct.echoCpuUsPerMsg.toFixed(2), 12)}  ${pad(t.proxied.proxyCpuUsPerForwardedMsg.toFixed(2), 15)}  ${pad(t.proxied.proxyCpuUsPerRoundTrip.toFixed(2), 16)}  ${`${t.proxyCpuPerForwardedMsgVsEcho.toFixed(2)} ${ok(t.cpuPassPerForwardedMsg)}, ${t.proxyCpuPerRoundTripVsEcho.toFixed(2)} ${ok(t.cpuPassPerRoundTrip)}`.padEnd(24)} ${pad(t.floors.pipe?.cpuUsPerRoundTrip.toFixed(2) ?? '-', 16)}  ${pad(t.proxied.clientCpuUsPerMsg.toFixed(2), 6)}  ${pad(`${Math.round(t.proxied.relayedShare * 100)} %`, 7)}`,
    );
  }
  return lines;
}

/** Prints the results to stdout. */
export function printTable(machine: Machine, variants: ReadonlyArray<{ id: string; description: string }>, rows: Combination[]): void {
  const lines: string[] = [];
  lines.push(`switchyard proxy bench — ${machine.cpus} × ${machine.model}, Node ${machine.node}, load ${machine.loadAvg1mAtStart} → ${machine.loadAvg1mAtEnd}`);
  for (const v of variants) lines.push('', ...throughputLines(v, rows));
  lines.push('');
  lines.push('fixed rate (transport echo, one stream)     p50/p99 direct ms  p50/p99 proxied ms  added p50, p99 ms (p99 target < 1)  proxy loop delay p99/max, GC max ms');
  for (const r of rows) {
    lines.push(
      `  ${`${r.name} @ ${r.paced.ratePerSec}/s`.padEnd(41)} ${pad(`${r.paced.directP50Ms}/${r.paced.directP99Ms}`, 17)}  ${pad(`${r.paced.proxiedP50Ms}/${r.paced.proxiedP99Ms}`, 18)}  ${pad(`${r.paced.addedP50Ms.toFixed(3)}, ${r.paced.addedP99Ms.toFixed(3)}`, 16)} ${ok(r.paced.pass).padEnd(4)} ${pad(`${r.paced.proxyLoopDelayP99Ms}/${r.paced.proxyLoopDelayMaxMs}, ${r.paced.proxyGcMaxMs}`, 20)}`,
    );
  }
  lines.push('');
  lines.push('open streams                                opened/requested  failed  proxy RSS idle → peak MB (target < 300)');
  for (const r of rows) lines.push(`  ${r.name.padEnd(41)} ${pad(`${r.streams.opened}/${r.streams.requested}`, 16)}  ${pad(r.streams.failed, 6)}  ${pad(`${r.streams.idleRssMB} → ${r.streams.peakRssMB}`, 22)} ${ok(r.streams.pass)}`);
  process.stdout.write(lines.join('\n') + '\n');
}
