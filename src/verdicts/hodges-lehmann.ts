import { medianInPlace } from "./median.js";
import { type Float64Buffer, float64Buffer } from "./workspace.js";

// The Hodges-Lehmann estimate of the shift between two samples: the median of every pairwise difference
// y_j - x_i (J. L. Hodges, E. L. Lehmann, "Estimates of location based on rank tests", Ann. Math. Statist. 34,
// 1963). It is the shift that Mann-Whitney's test is about: 95% as efficient as the difference of means on
// normal data, yet one wild value moves it by at most one pair's rank, where it drags a mean by 1/n of its size.

/** median(y_j - x_i) over all pairs; NaN when either sample is empty. `diffs` holds the differences. */
export const hodgesLehmannShift = (
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  diffs: Float64Buffer = float64Buffer(),
): number => {
  const d = diffs.view(x.length * y.length);
  let k = 0;
  for (let i = 0; i < x.length; i++)
    for (let j = 0; j < y.length; j++) d[k++] = (y[j] as number) - (x[i] as number);
  return medianInPlace(d);
};
