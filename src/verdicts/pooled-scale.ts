import { medianSorted } from "./median.js";

// Run-to-run noise of a service, estimated from every release's own runs (older history included): the
// differences between two runs of the same release and source carry no release effect, only noise.

/** Groups longer than this contribute only their newest values (the pair count grows as n²). */
const MAX_GROUP = 60;

// Shamos' estimator: σ ≈ 1.0483 · median |x_i - x_j| for normal data (x_i - x_j ~ N(0, 2σ²), whose absolute
// median is 0.6745·√2·σ). P. J. Rousseeuw, C. Croux, "Alternatives to the median absolute deviation",
// JASA 88 (1993). Robust to outlier runs (breakdown 29%) and, unlike the MAD around a small group's median,
// unbiased for groups of any size ≥ 2.
const SHAMOS = 1.0483;

export interface PooledScale {
  /** Robust SD of one run's value. 0 when every pair is equal; NaN without any pair. */
  sigma: number;
  /** Degrees of freedom of the estimate: Σ (n_g - 1) over the groups used. */
  df: number;
}

/** Pooled within-group Shamos scale of groups of values (each group: one release at one source). */
export const pooledScale = (groups: readonly (readonly number[])[]): PooledScale => {
  let pairs = 0;
  let df = 0;
  for (const g of groups) {
    const n = Math.min(g.length, MAX_GROUP);
    if (n < 2) continue;
    pairs += (n * (n - 1)) / 2;
    df += n - 1;
  }
  if (pairs === 0) return { sigma: Number.NaN, df: 0 };
  const diffs = new Float64Array(pairs);
  let k = 0;
  for (const g of groups) {
    const n = Math.min(g.length, MAX_GROUP);
    if (n < 2) continue;
    const start = g.length - n;
    for (let i = start; i < g.length; i++)
      for (let j = i + 1; j < g.length; j++) diffs[k++] = Math.abs((g[i] as number) - (g[j] as number));
  }
  diffs.sort();
  return { sigma: SHAMOS * medianSorted(diffs), df };
};
