import { eDivisiveMeans } from "./e-divisive.js";
import { medianInPlace } from "./median.js";
import type { MetricSamples } from "./metric-samples.js";
import { round, roundP } from "./rounding.js";
import { SHIFT_MIN_RUNS } from "./sample-noise.js";
import type { ChangePoint } from "./types.js";
import { type Float64Buffer, float64Buffer, type Int32Buffer, int32Buffer } from "./workspace.js";

// Shifts within one release's series (configuration, infrastructure), by E-divisive means with Welch t-tests
// (e-divisive.ts). Splits must be significant at p < 0.001 and at least the practical threshold.

const CHANGE_POINT = { minSegment: SHIFT_MIN_RUNS, alpha: 0.001 };
/** Newest runs per release searched (the search is O(n² log n)). */
const MAX_RUNS = 200;

export interface ChangePointBuffers {
  order: Int32Buffer;
  residual: Float64Buffer;
  at: Float64Buffer;
  values: Float64Buffer;
}

export const changePointBuffers = (): ChangePointBuffers => ({
  order: int32Buffer(),
  residual: float64Buffer(),
  at: float64Buffer(),
  values: float64Buffer(),
});

/**
 * Change points in the series of release `release` (every sample of it where `inSubset`, outliers included: a
 * string of consecutive "outliers" is a shift, not a noisy neighbour); `pct` turns a shift into percent,
 * `threshold` is the smallest kept.
 */
export const releaseChangePoints = (
  s: MetricSamples,
  release: number,
  version: string,
  inSubset: (j: number) => boolean,
  units: { pct: (shift: number) => number | null; threshold: number },
  buffers: ChangePointBuffers,
): ChangePoint[] => {
  const from = s.releaseStart[release] as number;
  const to = s.releaseStart[release + 1] as number;
  const order = buffers.order.view(to - from);
  let m = 0;
  for (let j = from; j < to; j++) if (inSubset(j)) order[m++] = j;
  if (m < 2 * SHIFT_MIN_RUNS) return [];
  // Residuals from each source's median within the release, so runs from different locations form one series.
  const sourceMedian = new Map<number, { rank: number; median: number }>();
  const values = buffers.values.view(m);
  for (let i = 0; i < m; i++) {
    const source = s.source[order[i] as number] as number;
    if (sourceMedian.has(source)) continue;
    let k = 0;
    for (let t = i; t < m; t++)
      if (s.source[order[t] as number] === source) values[k++] = s.x[order[t] as number] as number;
    sourceMedian.set(source, { rank: sourceMedian.size, median: medianInPlace(values.subarray(0, k)) });
  }
  // In time order (the samples' order); runs that started at the same instant in the order of their sources'
  // first runs, as a stable sort of the sources' series by time gives.
  const rank = (j: number) => (sourceMedian.get(s.source[j] as number) as { rank: number }).rank;
  for (let i = 1; i < m; i++) {
    const j = order[i] as number;
    let t = i - 1;
    while (
      t >= 0 &&
      s.startedMs[order[t] as number] === s.startedMs[j] &&
      rank(order[t] as number) > rank(j)
    ) {
      order[t + 1] = order[t] as number;
      t--;
    }
    order[t + 1] = j;
  }
  const first = Math.max(0, m - MAX_RUNS);
  const series = buffers.residual.view(m - first);
  const at = buffers.at.view(m - first);
  for (let i = first; i < m; i++) {
    const j = order[i] as number;
    series[i - first] =
      (s.x[j] as number) - (sourceMedian.get(s.source[j] as number) as { median: number }).median;
    at[i - first] = s.startedMs[j] as number;
  }
  const medianOf = (v: Float64Array) => {
    const copy = buffers.values.view(v.length);
    copy.set(v);
    return medianInPlace(copy);
  };
  const splits = eDivisiveMeans(series, {
    ...CHANGE_POINT,
    accept: (before, after) => Math.abs(medianOf(after) - medianOf(before)) >= units.threshold,
  });
  const bounds = [0, ...splits.map((sp) => sp.index), series.length];
  return splits.map((sp, k): ChangePoint => {
    const before = series.subarray(bounds[k], sp.index);
    const after = series.subarray(sp.index, bounds[k + 2]);
    const pct = units.pct(medianOf(after) - medianOf(before));
    return {
      version,
      at: new Date(at[sp.index] as number).toISOString(),
      runs_before: before.length,
      runs_after: after.length,
      change_pct: pct === null ? null : round(pct, 2),
      p_value: roundP(sp.pValue),
    };
  });
};
