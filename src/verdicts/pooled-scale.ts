import { medianInPlace } from "./median.js";
import { type Float64Buffer, float64Buffer } from "./workspace.js";

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

/**
 * Pooled within-group Shamos scale. Group g (one release at one source) is values[groupStart[g]] up to
 * values[groupStart[g + 1]], oldest first; `groups` groups. `diffs` holds the pairwise differences.
 */
export const pooledScale = (
  values: ArrayLike<number>,
  groupStart: ArrayLike<number>,
  groups: number,
  diffs: Float64Buffer = float64Buffer(),
): PooledScale => {
  let pairs = 0;
  let df = 0;
  for (let g = 0; g < groups; g++) {
    const n = Math.min((groupStart[g + 1] as number) - (groupStart[g] as number), MAX_GROUP);
    if (n < 2) continue;
    pairs += (n * (n - 1)) / 2;
    df += n - 1;
  }
  if (pairs === 0) return { sigma: Number.NaN, df: 0 };
  const d = diffs.view(pairs);
  let k = 0;
  for (let g = 0; g < groups; g++) {
    const end = groupStart[g + 1] as number;
    const from = Math.max(groupStart[g] as number, end - MAX_GROUP);
    if (end - from < 2) continue;
    for (let i = from; i < end; i++)
      for (let j = i + 1; j < end; j++) d[k++] = Math.abs((values[i] as number) - (values[j] as number));
  }
  return { sigma: SHAMOS * medianInPlace(d), df };
};
