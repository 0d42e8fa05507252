// Medians (plain and weighted), on read-only arrays.

/** The median (R quantile type 7 at 0.5: the mean of the two middle values for even n). NaN when empty. */
export const median = (values: readonly number[]): number => medianSorted([...values].sort((a, b) => a - b));

/** The median of values already sorted ascending. */
export const medianSorted = (sorted: ArrayLike<number>): number => {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const mid = n >> 1;
  return n % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

/**
 * The weighted median: the value where the cumulative weight (sorted by value) reaches half the total; the mean
 * of the two values on either side when it lands exactly on half (so equal weights give the ordinary median).
 */
export const weightedMedian = (values: readonly number[], weights: readonly number[]): number => {
  const order = values.map((v, i) => [v, weights[i] as number] as const).sort((a, b) => a[0] - b[0]);
  const half = order.reduce((s, [, w]) => s + w, 0) / 2;
  let cumulative = 0;
  for (let i = 0; i < order.length; i++) {
    const [v, w] = order[i] as readonly [number, number];
    cumulative += w;
    if (cumulative > half) return v;
    if (cumulative === half) return (v + (order[i + 1]?.[0] ?? v)) / 2;
  }
  return Number.NaN;
};
