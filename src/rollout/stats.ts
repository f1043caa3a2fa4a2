/**
 * Statistics for the gates: the two-proportion z-test comparing next's error rate with
 * legacy's, and the normal distribution it needs.
 */

/**
 * The complementary error function, erfc(x), from the Chebyshev fit in Numerical Recipes
 * (`erfcc`): fractional error below 1.2e-7 everywhere — far finer than any alpha a gate uses.
 */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const poly =
    -z * z - 1.26551223 +
    t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  const ans = t * Math.exp(poly);
  return x >= 0 ? ans : 2 - ans;
}

/** P(Z ≥ z) for a standard normal Z (the upper tail). */
export function normalSf(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2);
}

/** Result of {@link twoProportionZTest}. */
export interface TwoProportionResult {
  /** Error rate of sample 1 (next). */
  p1: number;
  /** Error rate of sample 2 (legacy). */
  p2: number;
  /** The pooled rate (x1 + x2) / (n1 + n2). */
  pooled: number;
  /** Standard error of p1 − p2 under the null hypothesis (pooled). */
  standardError: number;
  /** (p1 − p2) / standardError; 0 when the standard error is 0 (no errors, or only errors, on both sides). */
  z: number;
  /** One-sided p-value of "sample 1's rate is higher": P(Z ≥ z). */
  pValue: number;
}

/**
 * The pooled two-proportion z-test: x1 errors in n1 calls (next) against x2 in n2
 * (legacy), one-sided (H1: p1 > p2). Requires n1, n2 > 0 and 0 ≤ x ≤ n.
 */
export function twoProportionZTest(x1: number, n1: number, x2: number, n2: number): TwoProportionResult {
  if (!(n1 > 0 && n2 > 0) || x1 < 0 || x2 < 0 || x1 > n1 || x2 > n2) throw new RangeError(`two-proportion test needs 0 ≤ x ≤ n and n > 0 (got ${x1}/${n1}, ${x2}/${n2})`);
  const p1 = x1 / n1;
  const p2 = x2 / n2;
  const pooled = (x1 + x2) / (n1 + n2);
  const standardError = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  const z = standardError === 0 ? 0 : (p1 - p2) / standardError;
  return { p1, p2, pooled, standardError, z, pValue: standardError === 0 ? 0.5 : normalSf(z) };
}
