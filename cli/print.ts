/** Printing helpers for commands: JSON on stdout, aligned tables, times. */
import { formatMs } from '../src/rollout/format.js';

/** Writes one JSON object (and a newline) to stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value) + '\n');
}

/** Writes text lines to stdout. */
export function printLines(lines: string[]): void {
  process.stdout.write(lines.join('\n') + '\n');
}

/** Aligns rows into columns (two spaces apart); the first row is the header. */
export function table(rows: string[][], indent = '  '): string[] {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows.map((r) => indent + r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd());
}

/** Epoch ms → `2024-05-01 12:00:03Z`. */
export function when(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

/** A duration in words: `3m12s`. */
export const dur = formatMs;

/** A fraction as a percentage with two decimals. */
export function pct(x: number | null | undefined): string {
  return x === null || x === undefined ? '-' : `${(x * 100).toFixed(2)}%`;
}
