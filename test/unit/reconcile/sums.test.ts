import { describe, expect, it } from 'vitest';
import { createLimiter } from '../../../src/reconcile/limiter.js';
import { addSum, mod64, sameSum } from '../../../src/reconcile/side.js';

describe('checksum arithmetic', () => {
  it('reduces signed (PostgreSQL) and unsigned (MySQL) sums of the same bits to the same value', () => {
    const unsigned = (1n << 64n) - 5n; // 0xFFFF...FB as MySQL sums it
    expect(mod64('-5')).toBe(unsigned);
    expect(mod64(String(unsigned))).toBe(unsigned);
    expect(mod64(String(3n * (1n << 64n) + 7n))).toBe(7n); // exact DECIMAL/NUMERIC sums beyond 64 bits
    expect(mod64(null)).toBe(0n);
  });

  it('adds and compares range checksums', () => {
    const a = { count: 2n, hash: (1n << 64n) - 1n };
    expect(addSum(a, { count: 1n, hash: 2n })).toEqual({ count: 3n, hash: 1n });
    expect(sameSum(undefined, { count: 0n, hash: 0n })).toBe(true);
    expect(sameSum(a, { count: 2n, hash: 0n })).toBe(false);
  });
});

describe('limiter', () => {
  it('never runs more than n tasks at once', async () => {
    const limit = createLimiter(2);
    let active = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 10 }, () =>
        limit.run(async () => {
          peak = Math.max(peak, ++active);
          await new Promise((r) => setTimeout(r, 2));
          active--;
        }),
      ),
    );
    expect(peak).toBe(2);
  });
});
