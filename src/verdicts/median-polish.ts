import { median } from "./median.js";

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

export interface Cell {
  release: number;
  source: string;
  value: number;
}

const ITERATIONS = 10;

/** value - (source level + release level) for every cell, in input order. */
export const medianPolishResiduals = (cells: readonly Cell[]): number[] => {
  const byCell = new Map<string, { release: number; source: string; values: number[] }>();
  for (const c of cells) {
    const key = `${c.release}\u0000${c.source}`;
    const cell = byCell.get(key);
    if (cell === undefined) byCell.set(key, { release: c.release, source: c.source, values: [c.value] });
    else cell.values.push(c.value);
  }
  const table = [...byCell.values()].map((c) => ({
    release: c.release,
    source: c.source,
    m: median(c.values),
  }));
  const sourceLevel = new Map<string, number>();
  const releaseLevel = new Map<number, number>();
  const levels = <K>(key: (t: (typeof table)[number]) => K, value: (t: (typeof table)[number]) => number) => {
    const groups = new Map<K, number[]>();
    for (const t of table) {
      const k = key(t);
      const g = groups.get(k);
      if (g === undefined) groups.set(k, [value(t)]);
      else g.push(value(t));
    }
    return [...groups].map(([k, g]) => [k, median(g)] as const);
  };
  const runsByRelease = new Map<number, Cell[]>();
  for (const c of cells) {
    const list = runsByRelease.get(c.release);
    if (list === undefined) runsByRelease.set(c.release, [c]);
    else list.push(c);
  }
  for (let i = 0; i < ITERATIONS; i++) {
    for (const [k, v] of levels(
      (t) => t.source,
      (t) => t.m - (releaseLevel.get(t.release) ?? 0),
    ))
      sourceLevel.set(k, v);
    let moved = false;
    for (const [release, list] of runsByRelease) {
      const level = median(list.map((c) => c.value - (sourceLevel.get(c.source) ?? 0)));
      if (level !== releaseLevel.get(release)) moved = true;
      releaseLevel.set(release, level);
    }
    // An iteration is a function of the release levels alone: when they came back unchanged, every further
    // iteration would repeat this one exactly (medians pick data, so the polish usually gets there in 2-3).
    if (!moved) break;
  }
  return cells.map((c) => c.value - (sourceLevel.get(c.source) ?? 0) - (releaseLevel.get(c.release) ?? 0));
};
