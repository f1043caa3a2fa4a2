/** The bench's result shape and its human-readable table. */

/** The figures of one client → upstream combination. */
export interface Combination {
  name: string;
  direct: { msgsPerSec: number; p50Ms: number; p99Ms: number; echoCpuUsPerMsg: number; clientCpuUsPerMsg: number; allRuns: number[] };
  proxied: {
    msgsPerSec: number;
    p50Ms: number;
    p99Ms: number;
    echoCpuUsPerMsg: number;
    clientCpuUsPerMsg: number;
    /** Proxy CPU per message moved in one direction (a round trip moves two). */
    proxyCpuUsPerForwardedMsg: number;
    /** Proxy CPU per echoed round trip (request + response). */
    proxyCpuUsPerRoundTrip: number;
    allRuns: number[];
  };
  /** Proxied ÷ direct, direct being a client of the upstream's transport straight to the upstream. */
  throughputRatio: number;
  /** Crossed combinations only: proxied ÷ direct on the client's own transport (both echo servers are the same code). */
  throughputRatioVsClientTransportDirect?: number;
  throughputTarget: number;
  throughputPass: boolean;
  proxyCpuPerForwardedMsgVsEcho: number;
  proxyCpuPerRoundTripVsEcho: number;
  cpuPass: boolean;
  paced: { ratePerSec: number; directP50Ms: number; directP99Ms: number; proxiedP50Ms: number; proxiedP99Ms: number; addedP99Ms: number; addedP50Ms: number; allRunsP99Ms: { direct: number[]; proxied: number[] }; proxyLoopDelayP99Ms: number; proxyLoopDelayMaxMs: number; proxyGcMaxMs: number; pass: boolean };
  streams: { requested: number; opened: number; failed: number; echoes: number; idleRssMB: number; peakRssMB: number; pass: boolean };
}

const ok = (b: boolean): string => (b ? 'ok' : 'MISS');

/** Prints the results to stdout. */
export function printTable(machine: { cpus: number; model: string; node: string; loadAvg1mAtStart: number; loadAvg1mAtEnd: number }, rows: Combination[]): void {
  const lines: string[] = [];
  lines.push(`switchyard proxy bench — ${machine.cpus} × ${machine.model}, Node ${machine.node}, load ${machine.loadAvg1mAtStart} → ${machine.loadAvg1mAtEnd}`);
  lines.push('');
  lines.push('throughput (bidi echo, 60-byte messages)   direct msg/s  proxied msg/s  ratio (target)   p50/p99 direct ms  p50/p99 proxied ms');
  for (const r of rows) {
    lines.push(
      `  ${r.name.padEnd(41)} ${String(r.direct.msgsPerSec).padStart(12)}  ${String(r.proxied.msgsPerSec).padStart(13)}  ${r.throughputRatio.toFixed(2)} (≥${r.throughputTarget}) ${ok(r.throughputPass).padEnd(4)}  ${`${r.direct.p50Ms}/${r.direct.p99Ms}`.padStart(17)}  ${`${r.proxied.p50Ms}/${r.proxied.p99Ms}`.padStart(18)}`,
    );
  }
  lines.push('');
  lines.push('CPU µs per message                          echo server  proxy/forwarded  proxy/round trip  proxy÷echo (fwd, rt)  client');
  for (const r of rows) {
    lines.push(
      `  ${r.name.padEnd(41)} ${r.direct.echoCpuUsPerMsg.toFixed(2).padStart(11)}  ${r.proxied.proxyCpuUsPerForwardedMsg.toFixed(2).padStart(15)}  ${r.proxied.proxyCpuUsPerRoundTrip.toFixed(2).padStart(16)}  ${`${r.proxyCpuPerForwardedMsgVsEcho.toFixed(2)}, ${r.proxyCpuPerRoundTripVsEcho.toFixed(2)}`.padStart(20)} ${ok(r.cpuPass).padEnd(4)} ${r.proxied.clientCpuUsPerMsg.toFixed(2).padStart(6)}`,
    );
  }
  lines.push('');
  lines.push('fixed rate                                  p50/p99 direct ms  p50/p99 proxied ms  added p50, p99 ms (p99 target < 1)  proxy loop delay p99/max, GC max ms');
  for (const r of rows) {
    lines.push(
      `  ${`${r.name} @ ${r.paced.ratePerSec}/s`.padEnd(41)} ${`${r.paced.directP50Ms}/${r.paced.directP99Ms}`.padStart(17)}  ${`${r.paced.proxiedP50Ms}/${r.paced.proxiedP99Ms}`.padStart(18)}  ${`${r.paced.addedP50Ms.toFixed(3)}, ${r.paced.addedP99Ms.toFixed(3)}`.padStart(16)} ${ok(r.paced.pass).padEnd(4)} ${`${r.paced.proxyLoopDelayP99Ms}/${r.paced.proxyLoopDelayMaxMs}, ${r.paced.proxyGcMaxMs}`.padStart(20)}`,
    );
  }
  lines.push('');
  lines.push('open streams                                opened/requested  failed  proxy RSS idle → peak MB (target < 300)');
  for (const r of rows) lines.push(`  ${r.name.padEnd(41)} ${`${r.streams.opened}/${r.streams.requested}`.padStart(16)}  ${String(r.streams.failed).padStart(6)}  ${`${r.streams.idleRssMB} → ${r.streams.peakRssMB}`.padStart(22)} ${ok(r.streams.pass)}`);
  process.stdout.write(lines.join('\n') + '\n');
}
