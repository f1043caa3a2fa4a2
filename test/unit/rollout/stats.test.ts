import { describe, expect, it } from 'vitest';
import { erfc, normalSf, twoProportionZTest } from '../../../src/rollout/stats.js';

// Reference values, computed by hand from the pooled formula
//   p = (x1 + x2) / (n1 + n2),  SE = sqrt(p (1 − p) (1/n1 + 1/n2)),  z = (x1/n1 − x2/n2) / SE,
// and the one-sided p-value P(Z ≥ z) cross-checked with scipy.stats.norm.sf (scipy 1.17.1):
//   30/1000 vs 15/1000: p = 0.0225, SE = sqrt(0.0225 · 0.9775 · 0.002) = 0.0066323, z = 0.015 / 0.0066323 = 2.261656, P = 0.01185932
//   12/2000 vs 10/2000: z = 0.427579, P = 0.33447887
//   50/1000 vs 10/1000: z = 5.243225, P = 7.9e-8
//    5/400  vs 20/4000: z = 1.902780, P = 0.02853463
const REFERENCE = [
  { x1: 30, n1: 1000, x2: 15, n2: 1000, z: 2.261656, p: 0.01185932 },
  { x1: 12, n1: 2000, x2: 10, n2: 2000, z: 0.427579, p: 0.33447887 },
  { x1: 50, n1: 1000, x2: 10, n2: 1000, z: 5.243225, p: 7.9e-8 },
  { x1: 5, n1: 400, x2: 20, n2: 4000, z: 1.90278, p: 0.02853463 },
];

describe('two-proportion z-test', () => {
  for (const r of REFERENCE) {
    it(`${r.x1}/${r.n1} vs ${r.x2}/${r.n2}: z = ${r.z}, one-sided p = ${r.p}`, () => {
      const t = twoProportionZTest(r.x1, r.n1, r.x2, r.n2);
      expect(t.z).toBeCloseTo(r.z, 5);
      expect(Math.abs(t.pValue - r.p) / r.p).toBeLessThan(2e-3);
    });
  }

  it('pooled rate and standard error of the first reference case', () => {
    const t = twoProportionZTest(30, 1000, 15, 1000);
    expect(t.pooled).toBeCloseTo(0.0225, 12);
    expect(t.standardError).toBeCloseTo(0.0066323, 6);
  });

  it('is symmetric: swapping the samples negates z and mirrors p', () => {
    const a = twoProportionZTest(30, 1000, 15, 1000);
    const b = twoProportionZTest(15, 1000, 30, 1000);
    expect(b.z).toBeCloseTo(-a.z, 12);
    expect(a.pValue + b.pValue).toBeCloseTo(1, 6);
  });

  it('no variance (no errors on either side) is no evidence: z = 0, p = 0.5', () => {
    expect(twoProportionZTest(0, 500, 0, 500)).toMatchObject({ z: 0, pValue: 0.5 });
  });

  it('rejects impossible counts', () => {
    expect(() => twoProportionZTest(5, 0, 1, 10)).toThrow(RangeError);
    expect(() => twoProportionZTest(11, 10, 1, 10)).toThrow(RangeError);
  });

  it('normal tail at textbook points: P(Z ≥ 1.644854) = 0.05, P(Z ≥ 0) = 0.5, P(Z ≥ 3) = 0.0013499', () => {
    expect(normalSf(1.6448536269514722)).toBeCloseTo(0.05, 6);
    expect(normalSf(0)).toBeCloseTo(0.5, 7);
    expect(normalSf(3)).toBeCloseTo(0.0013498980316301, 7);
    expect(erfc(-1) + erfc(1)).toBeCloseTo(2, 12);
  });
});
