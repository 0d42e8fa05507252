import { fUpperTail } from "./distributions.js";

// Do the runner locations agree about a release's change? Each location's own estimate of the change (from its
// own runs, its own noise and outliers) is compared with the others' by Welch's heteroscedastic one-way analysis
// of variance (B. L. Welch, "On the comparison of several mean values: an alternative approach", Biometrika 38,
// 1951): the estimates are weighted by their precision, and the test's degrees of freedom account for each
// location's noise being estimated from few runs (with two locations it is Welch's t-test of their difference).
// It is the interaction of location and release, tested at the same α as the release effect itself.

export interface SourceChange {
  /** The location's estimate of the change (log-ratio, or a difference on the linear scale). */
  shift: number;
  /** Its standard error, and the degrees of freedom of that error. */
  se: number;
  df: number;
}

/** The p-value of "every location sees the same change", or NaN with fewer than two locations to compare. */
export const disagreementP = (changes: readonly SourceChange[]): number => {
  const k = changes.length;
  if (k < 2) return Number.NaN;
  const weights = changes.map((c) => 1 / Math.max(c.se, Number.MIN_VALUE) ** 2);
  const total = weights.reduce((s, w) => s + w, 0);
  const mean = changes.reduce((s, c, i) => s + (weights[i] as number) * c.shift, 0) / total;
  const between =
    changes.reduce((s, c, i) => s + (weights[i] as number) * (c.shift - mean) ** 2, 0) / (k - 1);
  const lambda = changes.reduce((s, c, i) => s + (1 - (weights[i] as number) / total) ** 2 / c.df, 0);
  const f = between / (1 + ((2 * (k - 2)) / (k * k - 1)) * lambda);
  const df2 = (k * k - 1) / (3 * lambda);
  return fUpperTail(f, k - 1, df2);
};
