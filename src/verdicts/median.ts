// Medians, on read-only arrays, or on a scratch copy that may be reordered.

/** The median (R quantile type 7 at 0.5: the mean of the two middle values for even n). NaN when empty. */
export const median = (values: readonly number[]): number => medianSorted([...values].sort((a, b) => a - b));

/** The median of values already sorted ascending. */
const medianSorted = (sorted: ArrayLike<number>): number => {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const mid = n >> 1;
  return n % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

/**
 * The median of a scratch array, which it reorders: the same value as sorting it and taking the middle, found
 * by selection in O(n) (C. A. R. Hoare, "Algorithm 65: Find", CACM 4, 1961) rather than a sort's O(n log n). The
 * noise estimate takes the median of thousands of pairwise differences per metric.
 */
export const medianInPlace = (scratch: Float64Array): number => {
  const n = scratch.length;
  if (n === 0) return Number.NaN;
  const mid = n >> 1;
  select(scratch, mid);
  if (n % 2 === 1) return scratch[mid] as number;
  // The largest value left of mid is the other middle one: everything there is ≤ scratch[mid].
  let below = scratch[0] as number;
  for (let i = 1; i < mid; i++) if ((scratch[i] as number) > below) below = scratch[i] as number;
  return (below + (scratch[mid] as number)) / 2;
};

/** Reorders `a` so that a[k] is its k-th smallest value, those before it ≤ it and those after ≥ it. */
const select = (a: Float64Array, k: number): void => {
  let lo = 0;
  let hi = a.length - 1;
  while (hi > lo) {
    // Median of three as the pivot: sorted or constant input stays linear.
    const m = (lo + hi) >> 1;
    if ((a[m] as number) < (a[lo] as number)) swap(a, m, lo);
    if ((a[hi] as number) < (a[lo] as number)) swap(a, hi, lo);
    if ((a[hi] as number) < (a[m] as number)) swap(a, hi, m);
    const pivot = a[m] as number;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while ((a[i] as number) < pivot) i++;
      while ((a[j] as number) > pivot) j--;
      if (i <= j) {
        swap(a, i, j);
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return;
  }
};

const swap = (a: Float64Array, i: number, j: number): void => {
  const t = a[i] as number;
  a[i] = a[j] as number;
  a[j] = t;
};
