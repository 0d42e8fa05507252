import { medianSorted } from "./median.js";

// The Hodges-Lehmann estimate of the shift between two samples: the median of every pairwise difference
// y_j - x_i (J. L. Hodges, E. L. Lehmann, "Estimates of location based on rank tests", Ann. Math. Statist. 34,
// 1963). It is the shift that Mann-Whitney's test is about: 95% as efficient as the difference of means on
// normal data, yet one wild value moves it by at most one pair's rank, where it drags a mean by 1/n of its size.

/** median(y_j - x_i) over all pairs; NaN when either sample is empty. */
export const hodgesLehmannShift = (x: readonly number[], y: readonly number[]): number => {
  const diffs = new Float64Array(x.length * y.length);
  let k = 0;
  for (const a of x) for (const b of y) diffs[k++] = b - a;
  diffs.sort();
  return medianSorted(diffs);
};
