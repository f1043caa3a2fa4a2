/** Small formatting helpers shared by the Markdown and HTML renderings. */
import type { Mismatch } from './types.js';

/** `1234567` → `1,234,567`. */
export function num(n: number): string {
  return n.toLocaleString('en-US');
}

/** Milliseconds as `850 ms` / `12.4 s`. */
export function duration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** `id=7, region=eu`. */
export function keyText(m: Mismatch): string {
  return Object.entries(m.key)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
}

/** A value for display: `NULL`, or the text cut to `max` characters. */
export function shown(v: string | null | undefined, max = 120): string {
  if (v === null || v === undefined) return 'NULL';
  return v.length > max ? `${v.slice(0, max)}…` : v;
}

/** Rows of a sample: one per differing column for changed rows, one per row otherwise. */
export function sampleRows(m: Mismatch): Array<{ kind: string; key: string; column: string; legacy: string; next: string }> {
  const key = keyText(m);
  if (m.kind === 'changed') return m.columns.map((c) => ({ kind: m.kind, key, column: c.column, legacy: shown(c.legacy), next: shown(c.next) }));
  const row = (r: Record<string, string | null> | null): string => (r ? shown(JSON.stringify(r)) : '(absent)');
  return [{ kind: m.kind, key, column: '', legacy: row(m.legacy), next: row(m.next) }];
}
