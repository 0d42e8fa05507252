import { fUpperTail } from "./distributions.js";
import { inSubset, type MetricContext, type Subset } from "./metric-context.js";
import { fillSubset, type Reading } from "./readings.js";
import { round } from "./rounding.js";
import { OUTLIER_MIN_LOG, SHIFT_MIN_RUNS } from "./sample-noise.js";
import type { ReleaseContrast } from "./two-way-fit.js";
import type { GuardName, ReleaseSide } from "./types.js";
import { formatP, LOG_SIGMA_FLOOR } from "./units.js";

// Guards that doubt an estimate (docs/verdicts.md, steps 5-6), each with a second reading of the runs it
// doubts: the verdict stands only when both readings give it (compare-subset.ts).

// A single run should not carry more than 1.2/minRuns of the estimate. A plain comparison of minRuns runs gives each
// 1/minRuns; a fit that borrows source levels from other releases adds a little to that. Beyond, one
// undetectable outlier (the only run linking two releases at a source) could decide the verdict: it stands only
// if the fit without that run gives the same one (the two-reading rule).
const MAX_INFLUENCE_RATIO = 1.2;
// Noisy neighbours strike single runs (5% of runs in a busy fleet). When more than a third of a release's runs
// sit beyond the outlier bound, either the slow runs or the fast ones may be the release's true level: the
// level is a guess, and the wrong guess is a verdict with the wrong sign (two slow runs of five look like the
// release, and the three normal ones like outliers).
const MAX_OUTLIER_SHARE = 1 / 3;
// A release too short for the change-point search (fewer than two segments of SHIFT_MIN_RUNS) whose runs scatter
// far more than the service's noise has no level: when most of its runs met noisy neighbours, the outlier rule
// cannot tell which runs are the release (the slow ones form the majority), and the verdict would have the
// wrong sign. An F test of the side's residual variance against the rest of the fit's, at this level, fires on
// 0.1% of well-behaved releases. Longer releases are left alone: a shift within them is what change points
// report, and their level (a mean over both segments) is well defined.
const DISPERSION_P = 0.001;
const DISPERSION_MAX_RUNS = 2 * SHIFT_MIN_RUNS - 1;
// A guard's "no neighbour touched these" reading keeps a side's runs within this many run-to-run SDs of its best
// run (never closer than the outlier rule's 5%): that keeps most normal runs (the range of 7 normal values
// exceeds 3.5σ about one time in six, and then only the farthest is dropped) and drops a 1.5x neighbour while
// the noise is under 11%, as the outlier rule does.
const NEAR_BEST_SIGMAS = 3.5;

/**
 * A guard that fired: why the estimate may be a guess, and the other reading of the runs it doubts (`fill` marks
 * the samples that reading fits). `cleanerNoise`: that reading leaves out runs that may be noisy neighbours, and
 * its noise is the one to test both readings with.
 */
export interface Guard {
  name: GuardName;
  /** Whose runs it doubts: verify's next run can clear a doubt about the candidate, never one about the baseline. */
  doubts: "baseline" | "candidate" | "either";
  why: string;
  /** "with ...", how the other reading is described. */
  reading: string;
  cleanerNoise: boolean;
  /**
   * The other reading may compare fewer than minRuns runs of the doubted side: it asks where the release's level
   * is at most (noisy neighbours only make runs worse), not what it is, and its noise comes from the rest of the fit.
   */
  fewRuns: boolean;
  fill: (mask: Uint8Array) => void;
}

/** Every guard that fires on the main reading, in the order docs/verdicts.md gives them. */
export const firedGuards = (
  c: MetricContext,
  subset: Subset,
  main: Reading,
  baseline: ReleaseSide,
  candidate: ReleaseSide,
): Guard[] =>
  [
    influentialRun(c, subset, main),
    crowdedSide(c, subset, baseline, candidate),
    betterSide(c, subset, main.fit.sigma),
    // Log scale only, like the outlier rule: a real rise of an error rate also makes its runs more variable.
    c.samples.scale !== "log" ? undefined : scatteredSide(c, subset, main.fit, baseline, candidate),
  ].filter((g): g is Guard => g !== undefined);

/** One run carries more than MAX_INFLUENCE_RATIO / minRuns of the estimate; the other reading leaves it out. */
const influentialRun = (c: MetricContext, subset: Subset, main: Reading): Guard | undefined => {
  const influence = main.fit.maxInfluence;
  // Never looser than with 3 runs: verify decides with 2, each then carrying half the estimate, and the guard
  // asks whether each run alone agrees (a noisy neighbour reads +100% on its own).
  if (influence <= MAX_INFLUENCE_RATIO / Math.max(c.settings.minRuns, 3)) return undefined;
  const heaviest = main.fit.heaviest;
  return {
    name: "influence",
    doubts: "either",
    why: `one run carries ${Math.round(100 * influence)}% of the estimate (the baseline and the candidate share few runs at the same source)`,
    reading: "without that run",
    cleanerNoise: false,
    // With 2 candidate runs, the reading without one is the other alone.
    fewRuns: c.settings.minRuns < 3,
    fill: (mask) => fillSubset(c, subset, mask, (j) => c.samples.outlier[j] === 0 && j !== heaviest),
  };
};

/** More than a third of a side's runs are outliers, so the rest may be the neighbours; doubtful: those outliers. */
const crowdedSide = (
  c: MetricContext,
  subset: Subset,
  baseline: ReleaseSide,
  candidate: ReleaseSide,
): Guard | undefined => {
  const crowded = [baseline, candidate].find(
    (side) => side.outliers > MAX_OUTLIER_SHARE * (side.runs + side.outliers),
  );
  if (crowded === undefined) return undefined;
  const release = crowded === candidate ? c.a : c.b;
  const doubtful = crowded.outliers;
  return {
    name: "outlier_share",
    doubts: crowded === candidate ? "candidate" : "baseline",
    why: `${crowded.outliers} of the ${crowded === candidate ? "candidate" : "baseline"}'s ${crowded.runs + crowded.outliers} comparable runs are outliers`,
    reading: `with the ${doubtful} outlier${doubtful === 1 ? "" : "s"} put back`,
    cleanerNoise: false,
    fewRuns: false,
    fill: (mask) =>
      fillSubset(c, subset, mask, (j) => c.samples.outlier[j] === 0 || c.samples.release[j] === release),
  };
};

/**
 * A run far on the better side among few of its release at its source (DISPERSION_MAX_RUNS). Noisy neighbours
 * only make runs worse, so when the few normal runs sit far below the others, the others are more likely the
 * noisy neighbours than the release (the outlier rule took the majority for the level).
 */
const betterSide = (c: MetricContext, subset: Subset, sigma: number): Guard | undefined => {
  const s = c.samples;
  for (const i of [c.b, c.a]) {
    const from = s.releaseStart[i] as number;
    const to = s.releaseStart[i + 1] as number;
    let better = false;
    for (let j = from; j < to && !better; j++) {
      if (s.better[j] !== 1 || !inSubset(c, subset, j)) continue;
      let cell = 0;
      for (let k = from; k < to; k++) if (s.source[k] === s.source[j] && inSubset(c, subset, k)) cell++;
      better = cell <= DISPERSION_MAX_RUNS;
    }
    if (better)
      return bestRunsReading(
        c,
        subset,
        sigma,
        i,
        "better_side_run",
        `a run of the ${i === c.a ? "candidate" : "baseline"} is far better than its others at the same source (noisy neighbours may have slowed most of them)`,
      );
  }
  return undefined;
};

/**
 * A short side whose runs scatter beyond the noise (log scale): an F test of its residual variance (about n - 1
 * degrees of freedom: its level is fitted) against the rest of the fit's.
 */
const scatteredSide = (
  c: MetricContext,
  subset: Subset,
  fit: ReleaseContrast,
  baseline: ReleaseSide,
  candidate: ReleaseSide,
): Guard | undefined => {
  const s = c.samples;
  const rss = fit.sigma ** 2 * fit.df;
  for (const [i, side, name] of [
    [c.b, baseline, "baseline"],
    [c.a, candidate, "candidate"],
  ] as const) {
    const shift = i === c.a ? fit.estimate : 0;
    let n = 0;
    let own = 0;
    const end = s.releaseStart[i + 1] as number;
    for (let j = s.releaseStart[i] as number; j < end; j++) {
      if (!inSubset(c, subset, j) || s.outlier[j] === 1) continue;
      const r = (s.x[j] as number) - (fit.baselineLevels[s.source[j] as number] as number) - shift;
      own = own + r * r;
      n++;
    }
    if (n < 2 || n > DISPERSION_MAX_RUNS) continue;
    const restDf = fit.df - (n - 1);
    if (restDf < 2) continue;
    // The floor keeps an exactly fitting rest (rss − own is then rounding, of either sign) from deciding.
    const restVariance = Math.max((rss - own) / restDf, LOG_SIGMA_FLOOR ** 2);
    const ratio = own / (n - 1) / restVariance;
    const p = fUpperTail(ratio, n - 1, restDf);
    if (p < DISPERSION_P)
      return bestRunsReading(
        c,
        subset,
        Math.sqrt(restVariance),
        i,
        "scatter",
        `the ${name}'s ${n} runs (${side.version}) scatter ${round(Math.sqrt(ratio), 1)}x the service's run-to-run noise (p=${formatP(p)})`,
      );
  }
  return undefined;
};

/**
 * The other reading of a side whose better runs may be the release and the rest noisy neighbours: at each
 * source, only the side's runs within NEAR_BEST_SIGMAS of the noise `sigma` (the fit's, or for scatter the
 * rest of the fit's) from its best run, any set aside on the better side included.
 * Noisy neighbours never make a run better, so these are the runs no neighbour can have touched.
 */
const bestRunsReading = (
  c: MetricContext,
  subset: Subset,
  sigma: number,
  side: number,
  name: GuardName,
  why: string,
): Guard => {
  const s = c.samples;
  const worse = c.direction === "higher_is_worse" ? 1 : -1;
  const reach = Math.max(OUTLIER_MIN_LOG, NEAR_BEST_SIGMAS * sigma);
  const from = s.releaseStart[side] as number;
  const to = s.releaseStart[side + 1] as number;
  const candidate = (j: number) => inSubset(c, subset, j) && (s.outlier[j] === 0 || s.better[j] === 1);
  // The best (lowest worse·x) run per source, and which of the side's runs lie within reach of it.
  const best = new Map<number, number>();
  let considered = 0;
  for (let j = from; j < to; j++) {
    if (!candidate(j)) continue;
    considered++;
    const value = worse * (s.x[j] as number);
    const source = s.source[j] as number;
    if (!best.has(source) || value < (best.get(source) as number)) best.set(source, value);
  }
  const near = (j: number) =>
    candidate(j) && worse * (s.x[j] as number) - (best.get(s.source[j] as number) as number) <= reach;
  let kept = 0;
  for (let j = from; j < to; j++) if (near(j)) kept++;
  return {
    name,
    doubts: side === c.a ? "candidate" : "baseline",
    why,
    reading: `with only the runs no noisy neighbour can have slowed (${considered - kept} left out)`,
    cleanerNoise: true,
    fewRuns: true,
    fill: (mask) => fillSubset(c, subset, mask, (j) => (j >= from && j < to ? near(j) : s.outlier[j] === 0)),
  };
};
