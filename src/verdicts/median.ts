// Medians, on read-only arrays, or on a scratch copy that may be reordered.

/** The median (R quantile type 7 at 0.5: the mean of the two middle values for even n). NaN when empty. */
export const median = (values: readonly number[]): number => medianSorted([...values].sort((a, b) => a - b));

/** The median of values already sorted ascending. */
export const medianSorted = (sorted: ArrayLike<number>): number => {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const mid = n >> 1;
  return n % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

/** The median of a scratch array, which it sorts in place (a typed array sorts numerically, without a callback). */
export const medianInPlace = (scratch: Float64Array): number => medianSorted(scratch.sort());
