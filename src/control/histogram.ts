/**
 * Latency histograms with fixed bucket bounds, so snapshots from many proxies and many
 * intervals can be summed and a quantile read from the sum.
 */

/** A histogram: `counts[i]` counts values ≤ `boundsMs[i]` (and > the bound before it); the last count is above the last bound. */
export interface Histogram {
  boundsMs: number[];
  counts: number[];
}

/** Default bucket bounds, ms: fine below 10 ms (where a proxy's added latency lives), coarse above. */
export const DEFAULT_LATENCY_BOUNDS_MS: readonly number[] = Object.freeze([
  0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 7.5, 10, 15, 25, 50, 75, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000,
]);

/** An empty histogram over `boundsMs`. */
export function emptyHistogram(boundsMs: readonly number[] = DEFAULT_LATENCY_BOUNDS_MS): Histogram {
  return { boundsMs: [...boundsMs], counts: new Array<number>(boundsMs.length + 1).fill(0) };
}

/** Counts one value. */
export function observe(h: Histogram, valueMs: number): void {
  let lo = 0;
  let hi = h.boundsMs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (valueMs <= h.boundsMs[mid]!) hi = mid;
    else lo = mid + 1;
  }
  h.counts[lo]! += 1;
}

/** Total count. */
export function histogramCount(h: Histogram): number {
  let n = 0;
  for (const c of h.counts) n += c;
  return n;
}

/** Adds `b` into `a` (same bounds required; throws otherwise). Returns `a`. */
export function mergeInto(a: Histogram, b: Histogram): Histogram {
  if (a.boundsMs.length !== b.boundsMs.length || a.boundsMs.some((x, i) => x !== b.boundsMs[i])) {
    throw new Error('cannot merge latency histograms with different bucket bounds');
  }
  for (let i = 0; i < a.counts.length; i++) a.counts[i]! += b.counts[i] ?? 0;
  return a;
}

/**
 * The q-quantile (0–1), as the upper bound of the bucket holding it: an over-estimate of at
 * most one bucket's width, never an under-estimate. Above the last bound it returns
 * `Infinity`. Undefined for an empty histogram.
 */
export function quantileMs(h: Histogram, q: number): number | undefined {
  const total = histogramCount(h);
  if (total === 0) return undefined;
  const rank = Math.ceil(q * total);
  let seen = 0;
  for (let i = 0; i < h.counts.length; i++) {
    seen += h.counts[i]!;
    if (seen >= rank && h.counts[i]! > 0) return h.boundsMs[i] ?? Infinity;
  }
  return Infinity;
}
