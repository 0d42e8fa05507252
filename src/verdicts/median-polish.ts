import { medianInPlace } from "./median.js";
import { scratch as newScratch, type Scratch } from "./workspace.js";

// Residuals of a two-way additive fit value ≈ source level + release level, by Tukey's median polish
// (J. W. Tukey, Exploratory Data Analysis, 1977, ch. 11), taken run by run. On a log scale this separates
// "where the runner is" from "which version runs", so a run can be judged against its peers even when its
// release has one or two runs at that source.
// Source levels come from cell medians, every release alike, so a source that dominates one release cannot
// drag them (the run-level L1 fit locks in on such unbalanced designs). A release's level is the median of its
// runs' deviations from their source levels, run by run, not of its cell medians: a two-run cell holding one
// outlier has the outlier halfway into its median, and with few runs per release that cell would pull the
// release level halfway too, so that a release that really moved 20% sees its genuine runs flagged instead
// (the median of runs ignores any minority of outlier runs).

/** The runs to polish, as columns: run k has `value[k]` at release `release[k]` and source `source[k]`. */
export interface PolishColumns {
  value: ArrayLike<number>;
  release: ArrayLike<number>;
  source: ArrayLike<number>;
}

const ITERATIONS = 10;

/** value - (source level + release level) for the first `n` runs, written to `out` in input order. */
export const medianPolishResiduals = (
  runs: PolishColumns,
  n: number,
  out: Float64Array,
  s: Scratch = newScratch(),
): Float64Array => {
  let releases = 0;
  let sources = 0;
  for (let k = 0; k < n; k++) {
    releases = Math.max(releases, (runs.release[k] as number) + 1);
    sources = Math.max(sources, (runs.source[k] as number) + 1);
  }
  // Runs grouped by cell (release-major, so each release's runs are one stretch too), by a counting sort.
  const cells = releases * sources;
  const start = s.counts.view(cells + 1).fill(0);
  const cellOf = (k: number) => (runs.release[k] as number) * sources + (runs.source[k] as number);
  for (let k = 0; k < n; k++) start[cellOf(k) + 1] = (start[cellOf(k) + 1] as number) + 1;
  for (let c = 0; c < cells; c++) start[c + 1] = (start[c + 1] as number) + (start[c] as number);
  const order = s.order.view(n);
  const next = s.next.view(cells);
  next.set(start.subarray(0, cells));
  for (let k = 0; k < n; k++) order[(next[cellOf(k)] as number)++] = k;

  const values = s.values.view(n);
  const cellMedian = s.more.view(cells);
  for (let c = 0; c < cells; c++) {
    const from = start[c] as number;
    const to = start[c + 1] as number;
    for (let i = from; i < to; i++) values[i - from] = runs.value[order[i] as number] as number;
    cellMedian[c] = medianInPlace(values.subarray(0, to - from));
  }
  const sourceLevel = s.levels.view(sources + releases).fill(0);
  const releaseLevel = sourceLevel.subarray(sources);
  for (let iteration = 0; iteration < ITERATIONS; iteration++) {
    for (let src = 0; src < sources; src++) {
      let m = 0;
      for (let r = 0; r < releases; r++) {
        const c = r * sources + src;
        if ((start[c + 1] as number) > (start[c] as number))
          values[m++] = (cellMedian[c] as number) - (releaseLevel[r] as number);
      }
      if (m > 0) sourceLevel[src] = medianInPlace(values.subarray(0, m));
    }
    // The first iteration always moves: the release levels start unset.
    let moved = iteration === 0;
    for (let r = 0; r < releases; r++) {
      const from = start[r * sources] as number;
      const to = start[(r + 1) * sources] as number;
      if (to === from) continue;
      for (let i = from; i < to; i++) {
        const k = order[i] as number;
        values[i - from] = (runs.value[k] as number) - (sourceLevel[runs.source[k] as number] as number);
      }
      const level = medianInPlace(values.subarray(0, to - from));
      if (level !== releaseLevel[r]) moved = true;
      releaseLevel[r] = level;
    }
    // An iteration is a function of the release levels alone: when they came back unchanged, every further
    // iteration would repeat this one exactly (medians pick data, so the polish usually gets there in 2-3).
    if (!moved) break;
  }
  for (let k = 0; k < n; k++)
    out[k] =
      (runs.value[k] as number) -
      (sourceLevel[runs.source[k] as number] as number) -
      (releaseLevel[runs.release[k] as number] as number);
  return out;
};
