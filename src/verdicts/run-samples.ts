import { type Cell, medianPolishResiduals } from "./median-polish.js";
import { pooledScale } from "./pooled-scale.js";
import type { Direction, Scale } from "./types.js";

// The runs of one metric as compareReleases sees them, and the two things learnt from them before any
// comparison: the run-to-run noise and which runs are noisy-neighbour outliers.

export interface Sample {
  raw: number;
  /** log(raw) or raw, by the metric's scale. */
  x: number;
  startedMs: number;
  source: string;
  outlier: boolean;
  /** An outlier on the better side (faster; more requests per second): something noisy neighbours never cause. */
  better?: boolean;
}

/** Consecutive runs that make a shift within a release rather than outliers (and a change point's minimum). */
export const SHIFT_MIN_RUNS = 4;

// A run this many robust SDs from its fitted value is a noisy neighbour, not the release: Hampel's identifier
// (F. R. Hampel, JASA 69, 1974; L. Davies, U. Gather, JASA 88, 1993). 3.5σ keeps a normal run with probability
// 0.9995 and sets aside a run 1.5x slower (log 1.5 = 0.405) while the noise is under 11%.
export const OUTLIER_SIGMAS = 3.5;
// Noisy neighbours make a run worse (slower, fewer requests per second), never better. A run far on the better
// side is more likely the release's genuine level in a short release whose median the slow runs pulled up (two
// noisy neighbours among four runs): flagging it would leave the slow runs as the release. So the better side
// has a wider bound; a normal run is beyond either with probability < 0.0003.
export const OUTLIER_SIGMAS_BETTER = 5;
// ...and never within 5% (log 1.05) of its fitted value, whatever σ̂ says. On a very steady service, or one whose
// runs tie at a sketch's buckets, σ̂ can be a fraction of a percent, and 3.5σ̂ would set aside a run 2% off the
// others (seen in the demo under load: three runs at 21.05, 21.05 and 21.43 ms). Such a run is the release's
// own noise; dropping it leaves a short release too few runs to compare, and noisy neighbours cost 1.5-3x.
export const OUTLIER_MIN_LOG = Math.log(1.05);
export const bySource = (samples: readonly Sample[]): Map<string, Sample[]> => {
  const groups = new Map<string, Sample[]>();
  for (const sample of samples) {
    const g = groups.get(sample.source);
    if (g === undefined) groups.set(sample.source, [sample]);
    else g.push(sample);
  }
  return groups;
};

const withinGroups = (samples: readonly Sample[][]): number[][] =>
  samples.flatMap((rs) => [...bySource(rs.filter((v) => !v.outlier)).values()].map((g) => g.map((v) => v.x)));

/** The within-release noise (σ of one run), with outlier runs marked in `samples`. */
// The within-release noise, and outlier runs marked. Only on the log scale: an error-rate burst in one run is
// what error rates are for, not noise to drop. Two passes: the outliers found with the first (slightly
// inflated) σ are left out of the second σ, which then finds the outliers for good.
export const noiseAndOutliers = (samples: Sample[][], scale: Scale, direction: Direction): number => {
  const first = pooledScale(withinGroups(samples)).sigma;
  if (scale !== "log" || !(first > 0)) return first;
  const worse = direction === "higher_is_worse" ? 1 : -1;
  markOutliers(samples, first, worse);
  const second = pooledScale(withinGroups(samples)).sigma;
  if (second > 0) markOutliers(samples, second, worse);
  return second > 0 ? second : first;
};

// Each run is judged by its residual from a median polish of all recent runs (source level + release level),
// so a release with one or two runs at a source still has its outliers recognised. Noisy neighbours strike
// single runs: SHIFT_MIN_RUNS or more consecutive runs of a release beyond the bound on the same side
// are a shift within the release (reported as a change point), not outliers, and stay in.
const markOutliers = (samples: Sample[][], sigma: number, worse: 1 | -1): void => {
  const cells: Cell[] = [];
  samples.forEach((rs, release) => {
    for (const s of rs) cells.push({ release, source: s.source, value: s.x });
  });
  const residuals = medianPolishResiduals(cells);
  let offset = 0;
  for (const rs of samples) {
    // Which side of its bound each run is on (0: within), by position in `rs`.
    const side = rs.map((_, i) => {
      const r = residuals[offset + i] as number;
      const bound = Math.max(
        OUTLIER_MIN_LOG,
        (Math.sign(r) === worse ? OUTLIER_SIGMAS : OUTLIER_SIGMAS_BETTER) * sigma,
      );
      return Math.abs(r) > bound ? Math.sign(r) : 0;
    });
    offset += rs.length;
    const inTime = rs.map((_, i) => i);
    // Runs come oldest first from release-history.ts; sort only when they do not (a stable sort either way).
    if (rs.some((v, i) => i > 0 && v.startedMs < (rs[i - 1] as Sample).startedMs))
      inTime.sort((x, y) => (rs[x] as Sample).startedMs - (rs[y] as Sample).startedMs);
    for (let i = 0; i < inTime.length; ) {
      const sign = side[inTime[i] as number] as number;
      let j = i;
      while (j + 1 < inTime.length && side[inTime[j + 1] as number] === sign) j++;
      const stretch = j - i + 1;
      for (let k = i; k <= j; k++) {
        const sample = rs[inTime[k] as number] as Sample;
        sample.outlier = sign !== 0 && stretch < SHIFT_MIN_RUNS;
        sample.better = sample.outlier && sign !== worse;
      }
      i = j + 1;
    }
  }
};
