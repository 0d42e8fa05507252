import { median, weightedMedian } from "./median.js";

// Residuals of a two-way additive fit value ≈ source level + release level, by Tukey's median polish
// (J. W. Tukey, Exploratory Data Analysis, 1977, ch. 11) over the table of cell medians (one cell per release
// and source), then taken run by run. On a log scale this separates "where the runner is" from "which version
// runs", so a run can be judged against its peers even when its release has one or two runs at that source.
// Polishing cell medians, not runs, keeps a source that dominates one release from dragging the levels (the
// run-level L1 fit locks in on such unbalanced designs). A release's level weights its cells by their runs, so a
// single-run cell (one outlier) cannot pull it halfway, as an unweighted median of two cells would; a source's
// level weighs every release alike.

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
    weight: c.values.length,
  }));
  const sourceLevel = new Map<string, number>();
  const releaseLevel = new Map<number, number>();
  const levels = <K>(
    key: (t: (typeof table)[number]) => K,
    value: (t: (typeof table)[number]) => number,
    weighted: boolean,
  ) => {
    const groups = new Map<K, { values: number[]; weights: number[] }>();
    for (const t of table) {
      const k = key(t);
      const g = groups.get(k);
      if (g === undefined) groups.set(k, { values: [value(t)], weights: [weighted ? t.weight : 1] });
      else {
        g.values.push(value(t));
        g.weights.push(weighted ? t.weight : 1);
      }
    }
    return [...groups].map(([k, g]) => [k, weightedMedian(g.values, g.weights)] as const);
  };
  for (let i = 0; i < ITERATIONS; i++) {
    for (const [k, v] of levels(
      (t) => t.source,
      (t) => t.m - (releaseLevel.get(t.release) ?? 0),
      false,
    ))
      sourceLevel.set(k, v);
    for (const [k, v] of levels(
      (t) => t.release,
      (t) => t.m - (sourceLevel.get(t.source) ?? 0),
      true,
    ))
      releaseLevel.set(k, v);
  }
  return cells.map((c) => c.value - (sourceLevel.get(c.source) ?? 0) - (releaseLevel.get(c.release) ?? 0));
};
