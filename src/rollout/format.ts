/** Small formatting helpers for audit reasons and status output. */

/** Milliseconds → the shortest readable form: `1h30m`, `45s`, `250ms`; `∞` for Infinity. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '∞';
  if (ms === 0) return '0s';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  let rest = Math.round(ms / 1000);
  const h = Math.floor(rest / 3600);
  rest -= h * 3600;
  const m = Math.floor(rest / 60);
  const s = rest - m * 60;
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s || (!h && !m) ? `${s}s` : ''}`;
}

/** Basis points → `12.5%`. */
export function formatBp(bp: number | undefined): string {
  return bp === undefined ? '-' : `${(bp / 100).toString()}%`;
}
