import { studentTTwoSided, studentTUpperQuantile } from "./distributions.js";
import { hodgesLehmannShift } from "./hodges-lehmann.js";
import type { MetricContext } from "./metric-context.js";
import { deviations, type Reading } from "./readings.js";
import { round } from "./rounding.js";
import { runsForDetection } from "./runs-needed.js";
import { mixtureTest } from "./sequential.js";
import type { ReleaseContrast } from "./two-way-fit.js";
import type { Verdict } from "./types.js";
import { describeChange, formatP, sigmaFloor, type Units } from "./units.js";

// The verdict of one reading (docs/verdicts.md, steps 4 and 7, and "The verdict").

// A decided verdict needs the Hodges-Lehmann shift of the same runs (robust: no run can drag it) to agree
// with the least-squares estimate: same sign, and within this fraction of its size. A least-squares estimate
// that an undetected outlier or a mostly-slow release made is where the two part; on normal data the two
// differ by a fraction of a standard error, far less than half of an estimate that passed the test.
const ROBUST_AGREEMENT = 0.5;

export interface Judgement {
  verdict: Verdict;
  reason: string;
  shift: number;
  sigma: number;
  pValue: number;
  changePct: number | null;
  low: number | null;
  high: number | null;
  needed: number | null;
}

/**
 * The verdict of one reading, its estimate tested with the noise of `noise` (the reading's own or the cleaner
 * one's). `robustCheck` off for a guard's second reading: it is there to test sign and significance only, and a
 * reading that puts outliers back drags the least-squares estimate away from the robust one by design.
 */
export const judge = (
  c: MetricContext,
  units: Units,
  reading: Reading,
  noise: ReleaseContrast,
  nb: number,
  nc: number,
  robustCheck = true,
): Judgement => {
  const s = c.settings;
  const fit = reading.fit;
  const sigma = Math.max(noise.sigma, sigmaFloor(c.samples.scale));
  const se = sigma * Math.sqrt(fit.varianceFactor);
  const shift = fit.estimate;
  const sequential = s.sequential;
  // verify's looks: the anytime-valid confidence sequence at level 1 - α (sequential.ts); else the t test and
  // its 95% interval.
  const { pValue, half } =
    sequential === undefined
      ? { pValue: studentTTwoSided(shift / se, noise.df), half: studentTUpperQuantile(0.025, noise.df) * se }
      : mixtureTest(shift, se, noise.df, s.alpha, sequential.tau);
  // "No change" is decided on the 95% interval, or on verify's equivalence sequence.
  const sameHalf =
    sequential === undefined
      ? half
      : mixtureTest(shift, se, noise.df, sequential.equivalenceAlpha, sequential.tau).half;
  const [ciLow, ciHigh] = [shift - half, shift + half];
  const changePct = units.pct(shift);
  const worse = shift === 0 ? 0 : Math.sign(shift) * (c.direction === "higher_is_worse" ? 1 : -1);
  const shown = describeChange(changePct, shift);
  const out = {
    shift,
    sigma,
    pValue,
    changePct,
    low: units.pct(ciLow),
    high: units.pct(ciHigh),
    needed: null,
  };
  const significant = pValue < s.alpha && Math.abs(shift) >= units.threshold && worse !== 0;
  // Only a significant estimate needs the robust one (O(nb·nc) pairs).
  const robust = significant && robustCheck ? robustShift(c, reading) : shift;
  const agrees = !robustCheck || Math.abs(robust - shift) <= ROBUST_AGREEMENT * Math.abs(shift);
  if (significant && agrees)
    return {
      ...out,
      verdict: worse > 0 ? "regression" : "improvement",
      reason: `${shown}, ${sequential === undefined ? "" : "anytime-valid "}p=${formatP(pValue)} < ${s.alpha}, beyond the ±${s.thresholdPct}% threshold`,
    };
  if (significant)
    return {
      ...out,
      verdict: "insufficient_data",
      reason: `${shown} (p=${formatP(pValue)}), but the Hodges-Lehmann shift of the same runs is ${describeChange(units.pct(robust), robust)}: a few runs decide the estimate`,
    };
  if (Math.abs(shift - sameHalf) <= units.margin && Math.abs(shift + sameHalf) <= units.margin)
    return {
      ...out,
      verdict: "no_change",
      reason:
        pValue < s.alpha
          ? `${shown} is significant (p=${formatP(pValue)}) but within the ±${s.thresholdPct}% threshold`
          : `${shown} (p=${formatP(pValue)}); the ${sequential === undefined ? "95% interval" : `${round(100 * (1 - sequential.equivalenceAlpha), 2)}% confidence sequence`} lies within ±${s.detectPct}%`,
    };
  // Undecided with enough runs for 80% power is the unlucky 20%: at least one more run. (verify's looks have no
  // such count: they go on until they can answer.)
  const more =
    sequential === undefined
      ? runsForDetection(s.alpha, units, sigma, fit.varianceFactor - 1 / nc, nc)
      : null;
  const needed = more === null ? null : Math.max(1, more);
  return {
    ...out,
    needed,
    verdict: "insufficient_data",
    reason: `${shown} (p=${formatP(pValue)}); a ${s.detectPct}% change is not excluded yet${
      sequential !== undefined
        ? ""
        : needed === null
          ? `; the baseline's ${nb} runs are too few to tell at this noise`
          : `; ~${needed} more candidate runs would tell`
    }`,
  };
};

/** The Hodges-Lehmann shift of the reading's runs, each taken as its deviation from the baseline at its source. */
const robustShift = (c: MetricContext, reading: Reading): number =>
  hodgesLehmannShift(
    deviations(c, reading, c.b, c.buffers.baselineDeviations),
    deviations(c, reading, c.a, c.buffers.candidateDeviations),
    c.buffers.pairs,
  );
