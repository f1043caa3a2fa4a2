/** Figures, ratios against the baselines, targets, and the printed table of the transport benchmark. */
import type { Variant } from './variants.js';

/** What one variant measured. */
export interface VariantFigures {
  msgsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  elapsedMs: number;
  /** CPU time (user + system) of the client process per echoed message, µs. */
  clientCpuUsPerMsg: number;
  /** CPU time of the server process per echoed message, µs. */
  serverCpuUsPerMsg: number;
}

type Results = Partial<Record<Variant, VariantFigures>>;

/** The issue's throughput targets: variant / baseline ≥ min. */
const TARGETS: ReadonlyArray<{ variant: Variant; baseline: Variant; min: number }> = [
  { variant: 'ws', baseline: 'raw-ws', min: 0.8 },
  { variant: 'ws', baseline: 'raw-grpc', min: 1.5 },
  { variant: 'grpc', baseline: 'raw-grpc', min: 0.9 },
];

const round = (n: number, digits = 3): number => Number(n.toFixed(digits));

/** Messages/s of every switchyard variant over each baseline, keyed `variant/baseline`. */
export function ratiosOf(r: Results): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of ['ws', 'grpc', 'grpc-js'] as const) {
    for (const b of ['raw-ws', 'raw-grpc'] as const) {
      const a = r[v];
      const base = r[b];
      if (a && base) out[`${v}/${b}`] = round(a.msgsPerSec / base.msgsPerSec);
    }
  }
  return out;
}

/** Each target with the measured ratio and whether it was met (null: not measured). */
export function targetsOf(ratios: Record<string, number>): Array<{ target: string; min: number; ratio: number | null; met: boolean | null }> {
  return TARGETS.map((t) => {
    const ratio = ratios[`${t.variant}/${t.baseline}`];
    return { target: `${t.variant} ≥ ${t.min}× ${t.baseline}`, min: t.min, ratio: ratio ?? null, met: ratio === undefined ? null : ratio >= t.min };
  });
}

const pad = (s: string, n: number): string => s.padStart(n);

/** The human-readable report. */
export function formatReport(
  r: Results,
  ratios: Record<string, number>,
  targets: ReturnType<typeof targetsOf>,
  config: { count: number; inflight: number; warmup: number; runs: number; messageBytes: number },
  runs: Partial<Record<Variant, number[]>>,
  skipped: Partial<Record<Variant, string>>,
): string {
  const lines = [
    `bidi echo, ${config.count} messages of ${config.messageBytes} bytes on one stream, ${config.inflight} in flight (after ${config.warmup} warm-up), client and server in separate processes`,
    `median of ${config.runs} run(s) per variant, run round-robin; µs/msg = CPU (user + system) per echoed message`,
    '',
    `${'variant'.padEnd(9)}${pad('msgs/s', 11)}${pad('p50 ms', 9)}${pad('p99 ms', 9)}${pad('cli µs/msg', 12)}${pad('srv µs/msg', 12)}${pad('× raw-ws', 10)}${pad('× raw-grpc', 12)}`,
  ];
  for (const [v, f] of Object.entries(r) as Array<[Variant, VariantFigures]>) {
    const x = (b: string): string => (v.startsWith('raw-') ? '' : ratios[`${v}/${b}`]?.toFixed(2) ?? '');
    lines.push(
      `${v.padEnd(9)}${pad(Math.round(f.msgsPerSec).toLocaleString('en-US'), 11)}${pad(f.p50Ms.toFixed(2), 9)}${pad(f.p99Ms.toFixed(2), 9)}` +
        `${pad(f.clientCpuUsPerMsg.toFixed(2), 12)}${pad(f.serverCpuUsPerMsg.toFixed(2), 12)}${pad(x('raw-ws'), 10)}${pad(x('raw-grpc'), 12)}`,
    );
  }
  for (const [v, why] of Object.entries(skipped)) lines.push(`${v.padEnd(9)} not measured: ${why}`);
  if (config.runs > 1) {
    lines.push('', 'msgs/s of every run:');
    for (const [v, list] of Object.entries(runs)) lines.push(`  ${v.padEnd(9)}${list.map((n) => n.toLocaleString('en-US')).join('  ')}`);
  }
  lines.push('', 'targets:');
  for (const t of targets) lines.push(`  ${t.target}: ${t.ratio === null ? 'not measured' : `${t.ratio.toFixed(2)}× — ${t.met ? 'met' : 'MISSED'}`}`);
  return `${lines.join('\n')}\n`;
}
