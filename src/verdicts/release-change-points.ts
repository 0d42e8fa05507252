import { eDivisiveMeans } from "./e-divisive.js";
import { median } from "./median.js";
import { round, roundP } from "./rounding.js";
import { bySource, type Sample, SHIFT_MIN_RUNS } from "./run-samples.js";
import type { ChangePoint } from "./types.js";

// Shifts within one release's series (configuration, infrastructure), by E-divisive means with Welch t-tests
// (e-divisive.ts). Splits must be significant at p < 0.001 and at least the practical threshold.

const CHANGE_POINT = { minSegment: SHIFT_MIN_RUNS, alpha: 0.001 };
/** Newest runs per release searched (the search is O(n² log n)). */
const MAX_RUNS = 200;

export interface ReleaseRuns {
  version: string;
  /** Every run of the release in the comparison, outliers included: a string of consecutive "outliers" is a
   *  shift, not a noisy neighbour. */
  samples: readonly Sample[];
}

/** Change points in each release's series; `pct` turns a shift into percent, `threshold` is the smallest kept. */
export const releaseChangePoints = (
  releases: readonly ReleaseRuns[],
  units: { pct: (shift: number) => number | null; threshold: number },
): ChangePoint[] =>
  releases.flatMap(({ version, samples }) => {
    // Residuals from each source's median within the release, so runs from different locations form one series.
    const series = [...bySource(samples).values()]
      .flatMap((g) => {
        const m = median(g.map((v) => v.x));
        return g.map((v) => ({ r: v.x - m, at: v.startedMs }));
      })
      .sort((x, y) => x.at - y.at)
      .slice(-MAX_RUNS);
    const splits = eDivisiveMeans(
      series.map((v) => v.r),
      {
        ...CHANGE_POINT,
        accept: (before, after) => Math.abs(median(after) - median(before)) >= units.threshold,
      },
    );
    const bounds = [0, ...splits.map((sp) => sp.index), series.length];
    return splits.map((sp, k): ChangePoint => {
      const before = series.slice(bounds[k], sp.index).map((v) => v.r);
      const after = series.slice(sp.index, bounds[k + 2]).map((v) => v.r);
      const pct = units.pct(median(after) - median(before));
      return {
        version,
        at: new Date((series[sp.index] as { at: number }).at).toISOString(),
        runs_before: before.length,
        runs_after: after.length,
        change_pct: pct === null ? null : round(pct, 2),
        p_value: roundP(sp.pValue),
      };
    });
  });
