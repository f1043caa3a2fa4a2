import { describe, expect, it } from 'vitest';
import { emptyHistogram, histogramCount, mergeInto, observe, quantileMs } from '../../../src/control/histogram.js';

describe('latency histogram', () => {
  it('puts a value in the first bucket whose bound is at or above it', () => {
    const h = emptyHistogram([1, 5, 10]);
    for (const v of [0.2, 1, 1.01, 5, 9.99, 10, 11]) observe(h, v);
    expect(h.counts).toEqual([2, 2, 2, 1]);
    expect(histogramCount(h)).toBe(7);
  });

  it('reads a quantile as the upper bound of its bucket, never below the true value', () => {
    const h = emptyHistogram([1, 2, 4, 8]);
    for (let i = 0; i < 98; i++) observe(h, 0.5);
    observe(h, 3);
    observe(h, 7);
    expect(quantileMs(h, 0.5)).toBe(1);
    expect(quantileMs(h, 0.99)).toBe(4);
    expect(quantileMs(h, 1)).toBe(8);
    observe(h, 100);
    expect(quantileMs(h, 1)).toBe(Infinity);
    expect(quantileMs(emptyHistogram(), 0.99)).toBeUndefined();
  });

  it('merges histograms with the same bounds and refuses different ones', () => {
    const a = emptyHistogram([1, 2]);
    const b = emptyHistogram([1, 2]);
    observe(a, 0.5);
    observe(b, 1.5);
    observe(b, 3);
    expect(mergeInto(a, b).counts).toEqual([1, 1, 1]);
    expect(() => mergeInto(a, emptyHistogram([1, 3]))).toThrow(/different bucket bounds/);
  });
});
