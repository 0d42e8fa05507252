import type { RunRecord } from "../store/run-record.js";
import { fUpperTail, normalUpperQuantile, studentTTwoSided, studentTUpperQuantile } from "./distributions.js";
import { hodgesLehmannShift } from "./hodges-lehmann.js";
import { median } from "./median.js";
import { directionOf, metricsOf, metricValue } from "./metric-values.js";
import { releaseChangePoints } from "./release-change-points.js";
import { type History, isFlagged, type Release, releaseHistories } from "./release-history.js";
import { round, roundP } from "./rounding.js";
import { bySource, noiseAndOutliers, type Sample, SHIFT_MIN_RUNS } from "./run-samples.js";
import { type Observation, releaseContrast } from "./two-way-fit.js";
import type { CompareOptions, Comparison, ReleaseSide, Scale, Verdict } from "./types.js";

// The release comparison; docs/verdicts.md explains the method, its assumptions and references. In short, on
// log values: set aside noisy-neighbour runs (Hampel's rule on median-polish residuals), fit
// value = source level + release level over the recent releases by least squares, and test the candidate's
// level against the baseline's with a t statistic whose noise comes from every recent release's runs.

/** The defaults of CompareOptions (the report's footnotes quote them). */
export const VERDICT_DEFAULTS = {
  alpha: 0.0075,
  thresholdPct: 3,
  detectPct: 10,
  minRuns: 3,
  combineSources: true,
  changePoints: true,
};
type Settings = typeof VERDICT_DEFAULTS & { metrics?: readonly string[] };

/** The source name of the comparison over every source at once. */
export const ALL_SOURCES = "all";

/** Releases whose runs inform the fit (the newest ones: a service changes over months). */
const MAX_RELEASES = 12;
// Newest runs per release that enter the fit: the baseline and the candidate keep many (they decide the
// verdict); older releases only teach the noise and the source levels, for which 40 runs each are plenty.
// Keeps a 100,000-run store's report fast.
const MAX_RUNS_COMPARED = 300;
const MAX_RUNS_HISTORY = 40;
const POWER = 0.8;
// No single run may carry more than 1.2/minRuns of the estimate. A plain comparison of minRuns runs gives each
// 1/minRuns; a fit that borrows source levels from other releases adds a little to that. Beyond, one
// undetectable outlier (the only run linking two releases at a source) would decide the verdict.
const MAX_INFLUENCE_RATIO = 1.2;
// A decided verdict needs the Hodges-Lehmann shift of the same runs (robust: no run can drag it) to agree
// with the least-squares estimate: same sign, and within this fraction of its size. A least-squares estimate
// that an undetected outlier or a mostly-slow release made is where the two part; on normal data the two
// differ by a fraction of a standard error, far less than half of an estimate that passed the test.
const ROBUST_AGREEMENT = 0.5;
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
// Below 0.1% a p95 difference is rounding in the load tester; the floor also keeps constant series finite.
const LOG_SIGMA_FLOOR = 0.001;
const LINEAR_SIGMA_FLOOR = 1e-9;
// Error rates are often exactly 0, so a relative change means little: a change must also be this many absolute
// units (0.1 percentage point) to count, and "no_change" tolerates ±0.5 point.
const ABSOLUTE: Record<string, { threshold: number; margin: number }> = {
  "client.error_rate": { threshold: 0.001, margin: 0.005 },
};

/** One comparison per service/env/test/source/metric, plus source "all" when there are several sources. */
export const compareReleases = (runs: readonly RunRecord[], options: CompareOptions = {}): Comparison[] =>
  compareHistories(releaseHistories(runs), options);

/** compareReleases on runs already grouped by releaseHistories (the report needs the histories too). */
export const compareHistories = (
  histories: readonly History[],
  options: CompareOptions = {},
): Comparison[] => {
  const settings: Settings = { ...VERDICT_DEFAULTS, ...definedOnly(options) };
  const out: Comparison[] = [];
  for (const history of histories) {
    if (history.releases.length < 2) continue;
    const recent = history.releases.slice(-MAX_RELEASES);
    const metrics = settings.metrics ?? metricsOf(recent.flatMap((r) => r.runs));
    for (const metric of metrics) out.push(...compareMetric(history, recent, metric, settings));
  }
  return out;
};

const definedOnly = (o: CompareOptions): Partial<Settings> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<Settings>;

interface MetricContext {
  history: History;
  metric: string;
  scale: Scale;
  settings: Settings;
  /** Recent releases, oldest first; the last two are the baseline and the candidate. */
  recent: readonly Release[];
  /** Kept and outlier samples per recent release (same order). */
  samples: readonly Sample[][];
  /** Within-release robust noise, for the outlier rule and when no fit is possible. */
  withinSigma: number;
}

const compareMetric = (
  history: History,
  recent: Release[],
  metric: string,
  settings: Settings,
): Comparison[] => {
  const raw = recent.map((release, i) =>
    release.runs
      .flatMap((run) => {
        if (run.state === "failed" || isFlagged(run)) return [];
        const value = metricValue(run, metric);
        return value === undefined
          ? []
          : [{ raw: value, startedMs: Date.parse(run.started_at), source: run.source }];
      })
      .slice(i >= recent.length - 2 ? -MAX_RUNS_COMPARED : -MAX_RUNS_HISTORY),
  );
  const last = raw.length - 1;
  if ((raw[last - 1] ?? []).length === 0 && (raw[last] ?? []).length === 0) return [];

  const scale: Scale = raw.every((rs) => rs.every((r) => r.raw > 0)) ? "log" : "linear";
  const samples: Sample[][] = raw.map((rs) =>
    rs.map((r) => ({ ...r, x: scale === "log" ? Math.log(r.raw) : r.raw, outlier: false })),
  );
  const within = noiseAndOutliers(samples, scale, directionOf(metric));
  const c: MetricContext = { history, metric, scale, settings, recent, samples, withinSigma: within };
  const sources = [
    ...new Set([...(samples[last - 1] ?? []), ...(samples[last] ?? [])].map((s) => s.source)),
  ].sort();
  const comparisons = sources.map((source) => compareSubset(c, source));
  if (settings.combineSources && sources.length > 1) comparisons.push(compareSubset(c, ALL_SOURCES));
  return comparisons;
};

const compareSubset = (c: MetricContext, source: string): Comparison => {
  const s = c.settings;
  const inSubset = (v: { source: string }) => source === ALL_SOURCES || v.source === source;
  const b = c.samples.length - 2;
  const a = c.samples.length - 1;
  const kept = (i: number) => (c.samples[i] ?? []).filter((v) => inSubset(v) && !v.outlier);
  const side = (i: number): ReleaseSide => {
    const release = c.recent[i] as Release;
    const runs = release.runs.filter(inSubset);
    const values = kept(i);
    return {
      version: release.version,
      runs: values.length,
      median: values.length > 0 ? median(values.map((v) => v.raw)) : null,
      first_seen: new Date(release.firstSeenMs).toISOString(),
      flagged: runs.filter((r) => r.state !== "failed" && isFlagged(r)).length,
      failed: runs.filter((r) => r.state === "failed").length,
      outliers: (c.samples[i] ?? []).filter((v) => inSubset(v) && v.outlier).length,
    };
  };
  const baseline = side(b);
  const candidate = side(a);
  const candidateTimes = kept(a).map((v) => v.startedMs);
  const units = unitsOf(c, baseline.median);
  const base = {
    service: c.history.service,
    env: c.history.env,
    source,
    test: c.history.test,
    metric: c.metric,
    direction: directionOf(c.metric),
    scale: c.scale,
    baseline,
    candidate,
    change_points: s.changePoints
      ? releaseChangePoints(
          [b, a].map((i) => ({
            version: (c.recent[i] as Release).version,
            samples: (c.samples[i] ?? []).filter(inSubset),
          })),
          units,
        )
      : [],
    as_of_ms: candidateTimes.length > 0 ? Math.max(...candidateTimes) : (c.recent[a] as Release).firstSeenMs,
  };
  const nb = baseline.runs;
  const nc = candidate.runs;
  const undecided = {
    change_pct: null,
    change_ci_pct: null,
    verdict: "insufficient_data" as const,
    p_value: null,
  };

  if (nc < s.minRuns || nb < s.minRuns) {
    const needMore = nc < s.minRuns;
    const sigma = Math.max(c.withinSigma, c.scale === "log" ? LOG_SIGMA_FLOOR : LINEAR_SIGMA_FLOOR);
    const needed = Number.isNaN(c.withinSigma)
      ? null
      : runsForDetection(c, units, sigma, 1 / Math.max(nb, 1), nc);
    return {
      ...base,
      ...undecided,
      noise: noiseOf(c, c.withinSigma),
      runs_needed: needMore ? Math.max(s.minRuns - nc, needed ?? 0) : null,
      reason: `${needMore ? `candidate has ${nc}` : `baseline has ${nb}`} comparable run${(needMore ? nc : nb) === 1 ? "" : "s"}; ${s.minRuns} needed`,
    };
  }
  const observations: Observation[] = c.samples.flatMap((rs, release) =>
    rs.filter((v) => inSubset(v) && !v.outlier).map((v) => ({ release, source: v.source, value: v.x })),
  );
  const fit = releaseContrast(observations, b, a);
  if (fit === undefined) {
    return {
      ...base,
      ...undecided,
      noise: noiseOf(c, c.withinSigma),
      runs_needed: null,
      reason: "no source links the baseline's runs with the candidate's yet",
    };
  }
  if (fit.maxInfluence > MAX_INFLUENCE_RATIO / s.minRuns) {
    return {
      ...base,
      ...undecided,
      noise: noiseOf(c, c.withinSigma),
      runs_needed: null,
      reason: `one run would carry ${Math.round(100 * fit.maxInfluence)}% of the estimate: the baseline and the candidate share too few runs at the same source`,
    };
  }
  const deviations = (i: number) => kept(i).map((v) => v.x - (fit.baselineLevels.get(v.source) as number));
  // Sides whose level is a guess (docs/verdicts.md, step 6). Not early answers like the guards above: the fit's
  // estimate is still evidence, and the answer keeps it.
  const guess =
    crowdedSide(baseline, candidate) ??
    betterSide(c, inSubset, b, a) ??
    // Log scale only, like the outlier rule: a real rise of an error rate also makes its runs more variable.
    (c.scale !== "log"
      ? undefined
      : scatteredSide(
          [
            { side: baseline, name: "baseline", residuals: deviations(b) },
            { side: candidate, name: "candidate", residuals: deviations(a).map((d) => d - fit.estimate) },
          ],
          fit.sigma ** 2 * fit.df,
          fit.df,
        ));
  // The fit's residual SD, with the fit's degrees of freedom in the t quantile: that accounts for σ̂'s own
  // uncertainty. (Taking the larger of it and the within-release robust SD, as an earlier version did, biased
  // σ̂ up by ~5% and cost a tenth of the power at 5% noise; the benchmark's false alarms stayed under 1% without it.)
  const sigma = Math.max(fit.sigma, c.scale === "log" ? LOG_SIGMA_FLOOR : LINEAR_SIGMA_FLOOR);
  const se = sigma * Math.sqrt(fit.varianceFactor);
  const shift = fit.estimate;
  const pValue = studentTTwoSided(shift / se, fit.df);
  const half = studentTUpperQuantile(0.025, fit.df) * se;
  const [ciLow, ciHigh] = [shift - half, shift + half];
  const changePct = units.pct(shift);
  const low = units.pct(ciLow);
  const high = units.pct(ciHigh);
  const robust = hodgesLehmannShift(deviations(b), deviations(a));
  const agrees = Math.abs(robust - shift) <= ROBUST_AGREEMENT * Math.abs(shift);
  const worse = shift === 0 ? 0 : Math.sign(shift) * (base.direction === "higher_is_worse" ? 1 : -1);
  const shown = describeChange(changePct, shift);

  let verdict: Verdict;
  let reason: string;
  let needed: number | null = null;
  const significant = pValue < s.alpha && Math.abs(shift) >= units.threshold && worse !== 0;
  if (guess !== undefined) {
    verdict = "insufficient_data";
    reason = `${shown} (p=${formatP(pValue)}), but ${guess}`;
  } else if (significant && agrees) {
    verdict = worse > 0 ? "regression" : "improvement";
    reason = `${shown}, p=${formatP(pValue)} < ${s.alpha}, beyond the ±${s.thresholdPct}% threshold`;
  } else if (significant) {
    verdict = "insufficient_data";
    reason = `${shown} (p=${formatP(pValue)}), but the Hodges-Lehmann shift of the same runs is ${describeChange(units.pct(robust), robust)}: a few runs decide the estimate`;
  } else if (Math.abs(ciLow) <= units.margin && Math.abs(ciHigh) <= units.margin) {
    verdict = "no_change";
    reason =
      pValue < s.alpha
        ? `${shown} is significant (p=${formatP(pValue)}) but within the ±${s.thresholdPct}% threshold`
        : `${shown} (p=${formatP(pValue)}); the 95% interval excludes a ${s.detectPct}% change`;
  } else {
    verdict = "insufficient_data";
    // Undecided with enough runs for 80% power is the unlucky 20%: at least one more run.
    const more = runsForDetection(c, units, sigma, fit.varianceFactor - 1 / nc, nc);
    needed = more === null ? null : Math.max(1, more);
    reason = `${shown} (p=${formatP(pValue)}); a ${s.detectPct}% change is not excluded yet; ${
      needed === null
        ? `the baseline's ${nb} runs are too few to tell at this noise`
        : `~${needed} more candidate runs would tell`
    }`;
  }
  return {
    ...base,
    change_pct: changePct === null ? null : round(changePct, 2),
    change_ci_pct: low === null || high === null ? null : [round(low, 2), round(high, 2)],
    verdict,
    p_value: roundP(pValue),
    noise: noiseOf(c, sigma),
    runs_needed: needed,
    reason,
  };
};

/** Why a side's level is a guess: more than a third of its runs are outliers, so the rest may be the neighbours. */
const crowdedSide = (baseline: ReleaseSide, candidate: ReleaseSide): string | undefined => {
  const crowded = [baseline, candidate].find(
    (side) => side.outliers > MAX_OUTLIER_SHARE * (side.runs + side.outliers),
  );
  return crowded === undefined
    ? undefined
    : `${crowded.outliers} of the ${crowded === candidate ? "candidate" : "baseline"}'s ${crowded.runs + crowded.outliers} comparable runs are outliers: its level cannot be told`;
};

/**
 * Why a side's level is a guess: a run far on the better side among few of its release at its source
 * (DISPERSION_MAX_RUNS). Noisy neighbours only make runs worse, so when the few normal runs sit far below the
 * others, the others are more likely the noisy neighbours than the release (the outlier rule took the majority
 * for the level).
 */
const betterSide = (
  c: MetricContext,
  inSubset: (v: Sample) => boolean,
  b: number,
  a: number,
): string | undefined => {
  const side = [b, a].find((i) =>
    [...bySource((c.samples[i] ?? []).filter(inSubset)).values()].some(
      (cell) => cell.length <= DISPERSION_MAX_RUNS && cell.some((v) => v.better),
    ),
  );
  return side === undefined
    ? undefined
    : `a run of the ${side === a ? "candidate" : "baseline"} is far better than its others at the same source: noisy neighbours may have slowed most of them, and its level cannot be told`;
};

/**
 * Why a short side's level is a guess (its runs scatter beyond the noise), or undefined; log scale. `rss` and
 * `df` are the fit's; a side's residuals carry about n - 1 of its degrees of freedom (its level is fitted), the rest of the
 * fit the others.
 */
const scatteredSide = (
  sides: readonly { side: ReleaseSide; name: string; residuals: readonly number[] }[],
  rss: number,
  df: number,
): string | undefined => {
  for (const { side, name, residuals } of sides) {
    const n = residuals.length;
    if (n < 2 || n > DISPERSION_MAX_RUNS) continue;
    const own = residuals.reduce((sum, r) => sum + r * r, 0);
    const restDf = df - (n - 1);
    if (restDf < 2) continue;
    // The floor keeps an exactly fitting rest (rss − own is then rounding, of either sign) from deciding.
    const restVariance = Math.max((rss - own) / restDf, LOG_SIGMA_FLOOR ** 2);
    const ratio = own / (n - 1) / restVariance;
    const p = fUpperTail(ratio, n - 1, restDf);
    if (p < DISPERSION_P)
      return `the ${name}'s ${n} runs (${side.version}) scatter ${round(Math.sqrt(ratio), 1)}x the service's run-to-run noise (p=${formatP(p)}): most may have met noisy neighbours, and its level cannot be told`;
  }
  return undefined;
};

const noiseOf = (c: MetricContext, sigma: number): number | null =>
  Number.isNaN(sigma) ? null : c.scale === "log" ? round(100 * (Math.exp(sigma) - 1), 2) : sigma;

interface Units {
  /** Shift (log-ratio or difference) to percent of the baseline; null when the baseline is 0. */
  pct: (shift: number) => number | null;
  /** Smallest |shift| that counts as a change. */
  threshold: number;
  /** Largest |shift| that "no_change" allows (the detectPct change). */
  margin: number;
}

const unitsOf = (c: MetricContext, baselineMedian: number | null): Units => {
  const s = c.settings;
  if (c.scale === "log")
    return {
      pct: (d) => 100 * (Math.exp(d) - 1),
      threshold: Math.log(1 + s.thresholdPct / 100),
      margin: Math.log(1 + s.detectPct / 100),
    };
  const level = Math.abs(baselineMedian ?? 0);
  const absolute = ABSOLUTE[c.metric] ?? { threshold: 0, margin: 0 };
  return {
    pct: (d) => (level > 0 ? (100 * d) / level : null),
    threshold: Math.max((s.thresholdPct / 100) * level, absolute.threshold, LINEAR_SIGMA_FLOOR),
    margin: Math.max((s.detectPct / 100) * level, absolute.margin, 10 * LINEAR_SIGMA_FLOOR),
  };
};

// Candidate runs n with 80% power against a detectPct change: margin / (σ·√(v_b + 1/n)) ≥ t_{α/2} + z_{0.8},
// where v_b is the part of the contrast's variance factor that does not shrink with more candidate runs.
// Null when no n is enough (the baseline's own uncertainty is already too large).
const runsForDetection = (
  c: MetricContext,
  units: Units,
  sigma: number,
  vBaseline: number,
  nc: number,
): number | null => {
  const k = studentTUpperQuantile(c.settings.alpha / 2, 30) + normalUpperQuantile(1 - POWER);
  const room = (units.margin / (sigma * k)) ** 2 - Math.max(vBaseline, 0);
  if (room <= 0) return null;
  return Math.max(0, Math.ceil(1 / room) - nc);
};

const describeChange = (pct: number | null, shift: number): string =>
  pct === null ? `${shift >= 0 ? "+" : ""}${round(shift, 6)}` : `${pct >= 0 ? "+" : ""}${round(pct, 1)}%`;

const formatP = (p: number): string => (p < 0.0001 ? "<0.0001" : String(roundP(p)));
