import { welchTTest } from "./welch-t-test.js";
import { float64Buffer } from "./workspace.js";

// Change points in one series by E-divisive means: the split maximising the energy distance between the two
// sides (D. S. Matteson, N. A. James, "A nonparametric approach for multiple change point analysis of
// multivariate data", JASA 109 (2014), with exponent α = 1), kept only when a Welch t-test between the two
// sides says p < alpha, then searched again on each side (binary segmentation). This is the variant used by
// Hunter / Apache Otava (M. Fleming et al., "Hunter: using change point detection to hunt for performance
// regressions", ICPE 2023), which replaced E-divisive's permutation test by the t-test for speed.

export interface ChangePointOptions {
  /** Fewest points on either side of a split. */
  minSegment: number;
  /** Significance of the t-test that keeps a split. */
  alpha: number;
  /** Optional extra test on the split (practical size, say); false drops it. */
  accept?: (before: Float64Array, after: Float64Array) => boolean;
}

export interface SplitPoint {
  /** Index of the first value after the shift. */
  index: number;
  pValue: number;
}

// Scratch for bestEnergySplit, which runs thousands of times in a report and never re-enters itself.
const scratchWithin = float64Buffer();
const scratchRight = float64Buffer();

/** The best energy split of x (index of its second part), or undefined when x is too short. O(n²). */
export const bestEnergySplit = (x: ArrayLike<number>, minSegment: number): number | undefined => {
  const n = x.length;
  const m = Math.max(2, minSegment);
  if (n < 2 * m) return undefined;
  // within[k]: Σ|x_i - x_j| over pairs inside x[0..k); withinRight[k]: the same inside x[k..n).
  const within = scratchWithin.view(n + 1);
  within[0] = 0;
  for (let k = 1; k <= n; k++) {
    let s = 0;
    const v = x[k - 1] as number;
    for (let i = 0; i < k - 1; i++) s += Math.abs(v - (x[i] as number));
    within[k] = (within[k - 1] as number) + s;
  }
  const withinRight = scratchRight.view(n + 1);
  withinRight[n] = 0;
  for (let k = n - 1; k >= 0; k--) {
    let s = 0;
    const v = x[k] as number;
    for (let j = k + 1; j < n; j++) s += Math.abs(v - (x[j] as number));
    withinRight[k] = (withinRight[k + 1] as number) + s;
  }
  const total = within[n] as number;
  let best: number | undefined;
  let bestQ = -Infinity;
  for (let k = m; k <= n - m; k++) {
    const r = n - k;
    const wl = within[k] as number;
    const wr = withinRight[k] as number;
    const between = total - wl - wr;
    const e = (2 * between) / (k * r) - wl / ((k * (k - 1)) / 2) - wr / ((r * (r - 1)) / 2);
    const q = ((k * r) / n) * e;
    if (q > bestQ) {
      bestQ = q;
      best = k;
    }
  }
  return best;
};

/**
 * Significant change points of x, in index order. Candidates come from binary segmentation on the energy
 * statistic (every segment split until shorter than 2·minSegment); then, as Hunter/Otava do, the candidate
 * whose neighbouring segments differ least (largest Welch p, or failing `accept`) is dropped and its neighbours
 * re-tested, until every remaining split has p < alpha. Testing against the neighbouring segments, not the
 * whole sides, is what finds a shift that is later undone (10, 12, 10).
 */
export const eDivisiveMeans = (x: Float64Array, options: ChangePointOptions): SplitPoint[] => {
  const candidates: number[] = [];
  const split = (from: number, to: number) => {
    const k = bestEnergySplit(x.subarray(from, to), options.minSegment);
    if (k === undefined) return;
    candidates.push(from + k);
    split(from, from + k);
    split(from + k, to);
  };
  split(0, x.length);
  candidates.sort((a, b) => a - b);
  for (;;) {
    const bounds = [0, ...candidates, x.length];
    const tested = candidates.map((index, i) => {
      const before = x.subarray(bounds[i], index);
      const after = x.subarray(index, bounds[i + 2]);
      const { pValue } = welchTTest(before, after);
      const keep = pValue < options.alpha && (options.accept === undefined || options.accept(before, after));
      return { index, pValue, keep };
    });
    const weakest = tested.filter((t) => !t.keep).sort((a, b) => b.pValue - a.pValue)[0];
    if (weakest === undefined) return tested.map(({ index, pValue }) => ({ index, pValue }));
    candidates.splice(candidates.indexOf(weakest.index), 1);
  }
};
