import { medianPolishResiduals } from "./median-polish.js";
import type { MetricSamples } from "./metric-samples.js";
import { pooledScale } from "./pooled-scale.js";
import type { Direction } from "./types.js";
import {
  type Float64Buffer,
  float64Buffer,
  type Int32Buffer,
  int32Buffer,
  type Scratch,
  scratch,
} from "./workspace.js";

// The two things learnt from a metric's samples before any comparison: the run-to-run noise and which runs are
// noisy-neighbour outliers (docs/verdicts.md, steps 1-2).

/** Consecutive runs that make a shift within a release rather than outliers (and a change point's minimum). */
export const SHIFT_MIN_RUNS = 4;

// A run this many robust SDs from its fitted value is a noisy neighbour, not the release: Hampel's identifier
// (F. R. Hampel, JASA 69, 1974; L. Davies, U. Gather, JASA 88, 1993). 3.5σ keeps a normal run with probability
// 0.9995 and sets aside a run 1.5x slower (log 1.5 = 0.405) while the noise is under 11%.
const OUTLIER_SIGMAS = 3.5;
// Noisy neighbours make a run worse (slower, fewer requests per second), never better. A run far on the better
// side is more likely the release's genuine level in a short release whose median the slow runs pulled up (two
// noisy neighbours among four runs): flagging it would leave the slow runs as the release. So the better side
// has a wider bound; a normal run is beyond either with probability < 0.0003.
const OUTLIER_SIGMAS_BETTER = 5;
// ...and never within 5% (log 1.05) of its fitted value, whatever σ̂ says. On a very steady service, or one whose
// runs tie at a sketch's buckets, σ̂ can be a fraction of a percent, and 3.5σ̂ would set aside a run 2% off the
// others (seen in the demo under load: three runs at 21.05, 21.05 and 21.43 ms). Such a run is the release's
// own noise; dropping it leaves a short release too few runs to compare, and noisy neighbours cost 1.5-3x.
export const OUTLIER_MIN_LOG = Math.log(1.05);

export interface NoiseBuffers {
  grouped: Float64Buffer;
  groupStart: Int32Buffer;
  residual: Float64Buffer;
  side: Int32Buffer;
  scratch: Scratch;
}

export const noiseBuffers = (): NoiseBuffers => ({
  grouped: float64Buffer(),
  groupStart: int32Buffer(),
  residual: float64Buffer(),
  side: int32Buffer(),
  scratch: scratch(),
});

/**
 * The within-release noise (σ of one run), with outlier runs marked in `samples`. Only on the log scale: an
 * error-rate burst in one run is what error rates are for, not noise to drop. Two passes: the outliers found
 * with the first (slightly inflated) σ are left out of the second σ, which then finds the outliers for good.
 */
export const noiseAndOutliers = (
  samples: MetricSamples,
  direction: Direction,
  buffers: NoiseBuffers,
): number => {
  const first = withinSigma(samples, buffers);
  if (samples.scale !== "log" || !(first > 0)) return first;
  const worse = direction === "higher_is_worse" ? 1 : -1;
  // With no outlier found, the second pass would see the same groups, the same σ and mark the same nothing.
  if (!markOutliers(samples, first, worse, buffers)) return first;
  const second = withinSigma(samples, buffers);
  if (second > 0) markOutliers(samples, second, worse, buffers);
  return second > 0 ? second : first;
};

/** Pooled Shamos σ of the groups "one release at one source", outliers left out. */
const withinSigma = (s: MetricSamples, buffers: NoiseBuffers): number => {
  const grouped = buffers.grouped.view(s.n);
  const groupStart = buffers.groupStart.view(s.n + 1);
  let sources = 0;
  for (let j = 0; j < s.n; j++) sources = Math.max(sources, (s.source[j] as number) + 1);
  const counts = buffers.scratch.counts.view(sources + 1);
  let groups = 0;
  let at = 0;
  groupStart[0] = 0;
  // Per release, a counting sort of its kept samples by source: each source's values stay oldest first.
  for (let i = 0; i < s.releases; i++) {
    const from = s.releaseStart[i] as number;
    const to = s.releaseStart[i + 1] as number;
    counts.fill(0);
    for (let j = from; j < to; j++) {
      const src = s.source[j] as number;
      if (s.outlier[j] === 0) counts[src + 1] = (counts[src + 1] as number) + 1;
    }
    for (let src = 0; src < sources; src++) {
      const size = counts[src + 1] as number;
      counts[src + 1] = (counts[src] as number) + size;
      if (size > 0) groupStart[++groups] = at + (counts[src + 1] as number);
    }
    for (let j = from; j < to; j++) {
      if (s.outlier[j] === 1) continue;
      const src = s.source[j] as number;
      const slot = counts[src] as number;
      counts[src] = slot + 1;
      grouped[at + slot] = s.x[j] as number;
    }
    at += counts[sources] as number;
  }
  return pooledScale(grouped, groupStart, groups, buffers.scratch.values).sigma;
};

// Each run is judged by its residual from a median polish of all recent runs (source level + release level),
// so a release with one or two runs at a source still has its outliers recognised. Noisy neighbours strike
// single runs: SHIFT_MIN_RUNS or more consecutive runs of a release beyond the bound on the same side
// are a shift within the release (reported as a change point), not outliers, and stay in.
/** Marks the outliers; true when it marked any. */
const markOutliers = (s: MetricSamples, sigma: number, worse: 1 | -1, buffers: NoiseBuffers): boolean => {
  let any = false;
  const residuals = medianPolishResiduals(
    { value: s.x, release: s.release, source: s.source },
    s.n,
    buffers.residual.view(s.n),
    buffers.scratch,
  );
  // Which side of its bound each run is on (0: within).
  const side = buffers.side.view(s.n);
  for (let j = 0; j < s.n; j++) {
    const r = residuals[j] as number;
    const bound = Math.max(
      OUTLIER_MIN_LOG,
      (Math.sign(r) === worse ? OUTLIER_SIGMAS : OUTLIER_SIGMAS_BETTER) * sigma,
    );
    side[j] = Math.abs(r) > bound ? Math.sign(r) : 0;
  }
  // Samples are in time order within their release (metric-samples.ts), so a stretch is consecutive samples.
  for (let i = 0; i < s.releases; i++) {
    const end = s.releaseStart[i + 1] as number;
    for (let j = s.releaseStart[i] as number; j < end; ) {
      const sign = side[j] as number;
      let last = j;
      while (last + 1 < end && side[last + 1] === sign) last++;
      const outlier = sign !== 0 && last - j + 1 < SHIFT_MIN_RUNS ? 1 : 0;
      if (outlier === 1) any = true;
      for (let k = j; k <= last; k++) {
        s.outlier[k] = outlier;
        s.better[k] = outlier === 1 && sign !== worse ? 1 : 0;
      }
      j = last + 1;
    }
  }
  return any;
};
