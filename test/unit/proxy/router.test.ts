import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BUCKETS, bucketOf, decide, overrideRoute, upstreamFor } from '../../../src/proxy/router.js';
import { Metadata } from '../../../src/transport/metadata.js';

describe('bucketOf', () => {
  it('is stable and in range', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme' }), (k) => {
      const b = bucketOf(k);
      return Number.isInteger(b) && b >= 0 && b < BUCKETS && bucketOf(k) === b;
    }));
    // Pinned values: splits in production depend on these never changing.
    expect([bucketOf('user-1'), bucketOf('user-2'), bucketOf(''), bucketOf('ünïcødé')]).toEqual([5916, 1105, 8923, 9559]);
    expect(bucketOf('alice')).not.toBe(bucketOf('alicf'));
  });

  it('spreads sequential keys evenly: each 10 % slice gets 10 % ± 1 % of 100 000 keys', () => {
    const slices = new Array<number>(10).fill(0);
    for (let i = 0; i < 100_000; i++) slices[Math.floor(bucketOf(`user-${i}`) / 1000)]!++;
    for (const n of slices) expect(Math.abs(n - 10_000)).toBeLessThan(1_000);
  });
});

describe('sticky routing (property)', () => {
  it('raising the split never moves a key back to legacy', () => {
    fc.assert(
      fc.property(fc.string(), fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 0, max: 10_000 }), (key, a, b) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        const before = decide(key, lo).upstream;
        const after = decide(key, hi).upstream;
        return !(before === 'next' && after === 'legacy');
      }),
      { numRuns: 5_000 },
    );
  });

  it('a key moves at most once over any increasing sequence of splits', () => {
    fc.assert(
      fc.property(fc.string(), fc.array(fc.integer({ min: 0, max: 10_000 }), { minLength: 2, maxLength: 30 }), (key, splits) => {
        const route = [...splits].sort((x, y) => x - y).map((s) => decide(key, s).upstream);
        const flips = route.filter((r, i) => i > 0 && r !== route[i - 1]).length;
        return flips <= 1;
      }),
    );
  });

  it('the share of keys on next matches the split within 1 %', () => {
    for (const splitBp of [1, 100, 500, 2_500, 5_000, 9_999]) {
      let next = 0;
      for (let i = 0; i < 50_000; i++) if (decide(`k${i}`, splitBp).upstream === 'next') next++;
      expect(Math.abs(next / 50_000 - splitBp / 10_000)).toBeLessThan(0.01);
    }
  });

  it('0 sends everything to legacy and 10000 everything to next', () => {
    fc.assert(fc.property(fc.string(), (k) => decide(k, 0).upstream === 'legacy' && decide(k, 10_000).upstream === 'next'));
    expect(upstreamFor(0, 1)).toBe('next');
    expect(upstreamFor(9_999, 9_999)).toBe('legacy');
  });

  it('calls without a key get a per-call bucket', () => {
    const seq = [0.1, 0.9];
    const r = () => seq.shift()!;
    expect(decide(undefined, 5_000, r)).toEqual({ upstream: 'next', reason: 'spread', bucket: 1_000 });
    expect(decide(undefined, 5_000, r)).toEqual({ upstream: 'legacy', reason: 'spread', bucket: 9_000 });
  });
});

describe('overrideRoute', () => {
  it('reads legacy/next from the header and ignores anything else or a disabled header', () => {
    expect(overrideRoute(Metadata.from({ 'x-switchyard-route': 'next' }), 'x-switchyard-route')).toBe('next');
    expect(overrideRoute(Metadata.from({ 'x-switchyard-route': ' Legacy ' }), 'x-switchyard-route')).toBe('legacy');
    expect(overrideRoute(Metadata.from({ 'x-switchyard-route': 'elsewhere' }), 'x-switchyard-route')).toBeUndefined();
    expect(overrideRoute(Metadata.from({ 'x-switchyard-route': 'next' }), null)).toBeUndefined();
  });
});
