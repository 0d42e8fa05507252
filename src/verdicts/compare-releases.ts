import type { RunRecord } from "../store/run-record.js";
import { fUpperTail, normalUpperQuantile, studentTTwoSided, studentTUpperQuantile } from "./distributions.js";
import { hodgesLehmannShift } from "./hodges-lehmann.js";
import { median } from "./median.js";
import { directionOf, metricsOf, metricValue } from "./metric-values.js";
import { releaseChangePoints } from "./release-change-points.js";
import { type History, isFlagged, type Release, releaseHistories } from "./release-history.js";
import { round, roundP } from "./rounding.js";
import { bySource, noiseAndOutliers, OUTLIER_MIN_LOG, type Sample, SHIFT_MIN_RUNS } from "./run-samples.js";
import { type Observation, type ReleaseContrast, releaseContrast } from "./two-way-fit.js";
import type { CompareOptions, Comparison, GuardName, ReleaseSide, Scale, Verdict } from "./types.js";

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
// A single run should not carry more than 1.2/minRuns of the estimate. A plain comparison of minRuns runs gives each
// 1/minRuns; a fit that borrows source levels from other releases adds a little to that. Beyond, one
// undetectable outlier (the only run linking two releases at a source) could decide the verdict: it stands only
// if the fit without that run gives the same one (the two-reading rule).
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
// A guard's "no neighbour touched these" reading keeps a side's runs within this many run-to-run SDs of its best
// run (never closer than the outlier rule's 5%): that keeps most normal runs (the range of 7 normal values
// exceeds 3.5σ about one time in six, and then only the farthest is dropped) and drops a 1.5x neighbour while
// the noise is under 11%, as the outlier rule does.
const NEAR_BEST_SIGMAS = 3.5;
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
  const { detectPctOf, ...rest } = options;
  const shared: Settings = { ...VERDICT_DEFAULTS, ...definedOnly(rest) };
  const out: Comparison[] = [];
  for (const history of histories) {
    if (history.releases.length < 2) continue;
    const own = detectPctOf?.(history.service, history.env);
    const settings = own === undefined ? shared : { ...shared, detectPct: own };
    const recent = history.releases.slice(-MAX_RELEASES);
    const metrics = settings.metrics ?? metricsOf(recent.flatMap((r) => r.runs));
    for (const metric of metrics) out.push(...compareMetric(history, recent, metric, settings));
  }
  return out;
};

/**
 * Each release's comparisons against the release before it (the newest MAX_RELEASES - 1 pairs of every
 * history), oldest pair first: what compareHistories answered when that release was the candidate, with only
 * the runs stored up to it.
 */
export const compareEveryRelease = (
  histories: readonly History[],
  options: CompareOptions = {},
): Comparison[] =>
  histories.flatMap((history) => {
    const first = Math.max(2, history.releases.length - MAX_RELEASES + 2);
    const out: Comparison[] = [];
    for (let end = first; end <= history.releases.length; end++)
      out.push(...compareHistories([{ ...history, releases: history.releases.slice(0, end) }], options));
    return out;
  });

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

// A run's start, parsed once for all its metrics (report compares ~8 metrics of every run; parsing the time
// for each was a tenth of a 100,000-run report's comparisons).
const startTimes = new WeakMap<RunRecord, number>();
const startedMsOf = (run: RunRecord): number => {
  let ms = startTimes.get(run);
  if (ms === undefined) {
    ms = Date.parse(run.started_at);
    startTimes.set(run, ms);
  }
  return ms;
};

const compareMetric = (
  history: History,
  recent: Release[],
  metric: string,
  settings: Settings,
): Comparison[] => {
  const raw = recent.map((release, i) => {
    const values: { raw: number; startedMs: number; source: string }[] = [];
    for (const run of release.runs) {
      if (run.state === "failed" || isFlagged(run)) continue;
      const value = metricValue(run, metric);
      if (value !== undefined) values.push({ raw: value, startedMs: startedMsOf(run), source: run.source });
    }
    return values.slice(i >= recent.length - 2 ? -MAX_RUNS_COMPARED : -MAX_RUNS_HISTORY);
  });
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
  const own = sources.map((source) => compareSubset(c, source));
  if (sources.length < 2) return own;
  const all = compareSubset(c, ALL_SOURCES);
  const comparisons = own.map((row) => borrowed(row, all) ?? row);
  if (settings.combineSources) comparisons.push(all);
  return comparisons;
};

/**
 * A source's row that its own runs cannot decide, answered by the all-sources comparison (docs/verdicts.md,
 * "Borrowing across sources"), or undefined when it stands alone. The all-sources fit compares the releases
 * through every source, each with its own level learnt from the whole history, and the model has one release
 * effect for every source: a source with one baseline run still has a known level. Borrowed only when the
 * row's own runs do not contradict that common change (its own interval, when it has one, holds the estimate)
 * and the candidate ran there.
 */
const borrowed = (row: Comparison, all: Comparison): Comparison | undefined => {
  if (row.verdict !== "insufficient_data" || all.verdict === "insufficient_data") return undefined;
  if (row.candidate.runs === 0 || all.change_pct === null) return undefined;
  const ownInterval = row.change_ci_pct;
  if (ownInterval !== null && (all.change_pct < ownInterval[0] || all.change_pct > ownInterval[1]))
    return undefined;
  return {
    ...row,
    change_pct: all.change_pct,
    change_ci_pct: all.change_ci_pct,
    verdict: all.verdict,
    p_value: all.p_value,
    noise: all.noise,
    runs_needed: null,
    reason: `all sources: ${all.reason} (this source alone: ${row.reason})`,
    basis: "all_sources",
    ...(all.guards === undefined ? {} : { guards: all.guards }),
  };
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
      saturated: runs.filter((r) => r.state !== "failed" && (r.flags ?? []).includes("runner_saturated"))
        .length,
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
    basis: source === ALL_SOURCES ? ("all_sources" as const) : ("source" as const),
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
  const main = fitReading(c, inSubset, (v) => !v.outlier, b, a);
  if (main === undefined) {
    return {
      ...base,
      ...undecided,
      noise: noiseOf(c, c.withinSigma),
      runs_needed: null,
      reason: "no source links the baseline's runs with the candidate's yet",
    };
  }
  // Guards that doubt the estimate (docs/verdicts.md, steps 5-6), each with another reading of the runs it doubts.
  const guards = [
    influentialRun(c, main),
    crowdedSide(c, inSubset, b, a, baseline, candidate),
    betterSide(c, inSubset, main.fit.sigma, b, a),
    // Log scale only, like the outlier rule: a real rise of an error rate also makes its runs more variable.
    c.scale !== "log" ? undefined : scatteredSide(c, inSubset, main.fit, b, a, baseline, candidate),
  ].filter((g): g is Guard => g !== undefined);
  const others = guards.map((g) => fitReading(c, inSubset, g.include, b, a));
  // The fit's residual SD, with the fit's degrees of freedom in the t quantile: that accounts for σ̂'s own
  // uncertainty. (Taking the larger of it and the within-release robust SD, as an earlier version did, biased
  // σ̂ up by ~5% and cost a tenth of the power at 5% noise; the benchmark's false alarms stayed under 1% without it.)
  // When a guard's other reading leaves out runs that may be noisy neighbours, both readings are tested with
  // that cleaner reading's noise: the doubtful runs question the release's level, and letting a 2x neighbour
  // also inflate σ̂ would decide the answer by the noise, not by the level.
  const cleaner = others.find((o, k) => o !== undefined && guards[k]?.cleanerNoise === true);
  const noise = (cleaner ?? main).fit;
  let primary = judge(c, units, main, noise, nb, nc);
  let verdict = primary.verdict;
  const notes: string[] = [];
  guards.forEach((guard, k) => {
    const other = others[k];
    const second =
      other === undefined || Math.min(other.nb, other.nc) < (guard.fewRuns ? 1 : s.minRuns)
        ? undefined
        : judge(c, units, other, noise, other.nb, other.nc, false);
    const reading =
      second === undefined
        ? `${guard.reading} leaves too few runs to compare`
        : `${guard.reading} it reads ${describeChange(second.changePct, second.shift)} (p=${formatP(second.pValue)})`;
    notes.push(`${guard.why}; ${reading}`);
    if (second?.verdict !== primary.verdict) verdict = "insufficient_data";
  });
  let reason = primary.reason;
  if (guards.length > 0 && verdict !== "insufficient_data")
    reason = `${primary.reason}; the verdict holds in both readings: ${notes.join("; ")}`;
  else if (guards.length > 0) {
    // Undecided: the evidence shown is the main reading with its own noise.
    if (noise !== main.fit) primary = judge(c, units, main, main.fit, nb, nc);
    reason = `${describeChange(primary.changePct, primary.shift)} (p=${formatP(primary.pValue)}), but ${notes.join("; ")}: the readings disagree`;
  }
  return {
    ...base,
    change_pct: primary.changePct === null ? null : round(primary.changePct, 2),
    change_ci_pct:
      primary.low === null || primary.high === null ? null : [round(primary.low, 2), round(primary.high, 2)],
    verdict,
    p_value: roundP(primary.pValue),
    noise: noiseOf(c, primary.sigma),
    runs_needed: verdict === primary.verdict ? primary.needed : null,
    reason,
    ...(guards.length === 0 ? {} : { guards: guards.map((g) => g.name) }),
  };
};

/** One reading of the runs: which enter the fit (per side counts), and the fit. */
interface Reading {
  fit: ReleaseContrast;
  nb: number;
  nc: number;
  deviations: (i: number) => number[];
  /** The run that weighs most in the estimate. */
  heaviest: Sample;
}

const fitReading = (
  c: MetricContext,
  inSubset: (v: Sample) => boolean,
  include: (v: Sample) => boolean,
  b: number,
  a: number,
): Reading | undefined => {
  const used = (i: number) => (c.samples[i] ?? []).filter((v) => inSubset(v) && include(v));
  const samples = c.samples.flatMap((_, release) => used(release).map((v) => ({ release, v })));
  const observations: Observation[] = samples.map(({ release, v }) => ({
    release,
    source: v.source,
    value: v.x,
  }));
  const fit = releaseContrast(observations, b, a);
  if (fit === undefined) return undefined;
  return {
    fit,
    heaviest: (samples[fit.heaviest] as { v: Sample }).v,
    nb: used(b).length,
    nc: used(a).length,
    deviations: (i) => used(i).map((v) => v.x - (fit.baselineLevels.get(v.source) as number)),
  };
};

interface Judgement {
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
const judge = (
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
  const sigma = Math.max(noise.sigma, c.scale === "log" ? LOG_SIGMA_FLOOR : LINEAR_SIGMA_FLOOR);
  const se = sigma * Math.sqrt(fit.varianceFactor);
  const shift = fit.estimate;
  const pValue = studentTTwoSided(shift / se, noise.df);
  const half = studentTUpperQuantile(0.025, noise.df) * se;
  const [ciLow, ciHigh] = [shift - half, shift + half];
  const changePct = units.pct(shift);
  const robust = hodgesLehmannShift(
    reading.deviations(c.samples.length - 2),
    reading.deviations(c.samples.length - 1),
  );
  const agrees = !robustCheck || Math.abs(robust - shift) <= ROBUST_AGREEMENT * Math.abs(shift);
  const worse = shift === 0 ? 0 : Math.sign(shift) * (directionOf(c.metric) === "higher_is_worse" ? 1 : -1);
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
  if (significant && agrees)
    return {
      ...out,
      verdict: worse > 0 ? "regression" : "improvement",
      reason: `${shown}, p=${formatP(pValue)} < ${s.alpha}, beyond the ±${s.thresholdPct}% threshold`,
    };
  if (significant)
    return {
      ...out,
      verdict: "insufficient_data",
      reason: `${shown} (p=${formatP(pValue)}), but the Hodges-Lehmann shift of the same runs is ${describeChange(units.pct(robust), robust)}: a few runs decide the estimate`,
    };
  if (Math.abs(ciLow) <= units.margin && Math.abs(ciHigh) <= units.margin)
    return {
      ...out,
      verdict: "no_change",
      reason:
        pValue < s.alpha
          ? `${shown} is significant (p=${formatP(pValue)}) but within the ±${s.thresholdPct}% threshold`
          : `${shown} (p=${formatP(pValue)}); the 95% interval lies within ±${s.detectPct}%`,
    };
  // Undecided with enough runs for 80% power is the unlucky 20%: at least one more run.
  const more = runsForDetection(c, units, sigma, fit.varianceFactor - 1 / nc, nc);
  const needed = more === null ? null : Math.max(1, more);
  return {
    ...out,
    needed,
    verdict: "insufficient_data",
    reason: `${shown} (p=${formatP(pValue)}); a ${s.detectPct}% change is not excluded yet; ${
      needed === null
        ? `the baseline's ${nb} runs are too few to tell at this noise`
        : `~${needed} more candidate runs would tell`
    }`,
  };
};

/**
 * A guard that fired (docs/verdicts.md, steps 5-6): why the estimate may be a guess, and the other reading of
 * the runs it doubts (`include`: the runs that reading fits). `cleanerNoise`: that reading leaves out runs that
 * may be noisy neighbours, and its noise is the one to test both readings with.
 */
interface Guard {
  name: GuardName;
  why: string;
  /** "with ...", how the other reading is described. */
  reading: string;
  cleanerNoise: boolean;
  /**
   * The other reading may compare fewer than minRuns runs of the doubted side: it asks where the release's level
   * is at most (noisy neighbours only make runs worse), not what it is, and its noise comes from the rest of the fit.
   */
  fewRuns: boolean;
  include: (v: Sample) => boolean;
}

/** One run carries more than MAX_INFLUENCE_RATIO / minRuns of the estimate; the other reading leaves it out. */
const influentialRun = (c: MetricContext, main: Reading): Guard | undefined => {
  const influence = main.fit.maxInfluence;
  if (influence <= MAX_INFLUENCE_RATIO / c.settings.minRuns) return undefined;
  const heaviest = main.heaviest;
  return {
    name: "influence",
    why: `one run carries ${Math.round(100 * influence)}% of the estimate (the baseline and the candidate share few runs at the same source)`,
    reading: "without that run",
    cleanerNoise: false,
    fewRuns: false,
    include: (v) => !v.outlier && v !== heaviest,
  };
};

/** More than a third of a side's runs are outliers, so the rest may be the neighbours; doubtful: those outliers. */
const crowdedSide = (
  c: MetricContext,
  inSubset: (v: Sample) => boolean,
  b: number,
  a: number,
  baseline: ReleaseSide,
  candidate: ReleaseSide,
): Guard | undefined => {
  const crowded = [baseline, candidate].find(
    (side) => side.outliers > MAX_OUTLIER_SHARE * (side.runs + side.outliers),
  );
  if (crowded === undefined) return undefined;
  const doubtful = new Set(
    (c.samples[crowded === candidate ? a : b] ?? []).filter((v) => inSubset(v) && v.outlier),
  );
  return {
    name: "outlier_share",
    why: `${crowded.outliers} of the ${crowded === candidate ? "candidate" : "baseline"}'s ${crowded.runs + crowded.outliers} comparable runs are outliers`,
    reading: `with the ${doubtful.size} outlier${doubtful.size === 1 ? "" : "s"} put back`,
    cleanerNoise: false,
    fewRuns: false,
    include: (v) => !v.outlier || doubtful.has(v),
  };
};

/**
 * A run far on the better side among few of its release at its source (DISPERSION_MAX_RUNS). Noisy neighbours
 * only make runs worse, so when the few normal runs sit far below the others, the others are more likely the
 * noisy neighbours than the release (the outlier rule took the majority for the level).
 */
const betterSide = (
  c: MetricContext,
  inSubset: (v: Sample) => boolean,
  sigma: number,
  b: number,
  a: number,
): Guard | undefined => {
  for (const i of [b, a]) {
    const better = [...bySource((c.samples[i] ?? []).filter(inSubset)).values()].some(
      (cell) => cell.length <= DISPERSION_MAX_RUNS && cell.some((v) => v.better),
    );
    if (better)
      return bestRunsReading(
        c,
        inSubset,
        sigma,
        i,
        "better_side_run",
        `a run of the ${i === a ? "candidate" : "baseline"} is far better than its others at the same source (noisy neighbours may have slowed most of them)`,
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
  inSubset: (v: Sample) => boolean,
  fit: ReleaseContrast,
  b: number,
  a: number,
  baseline: ReleaseSide,
  candidate: ReleaseSide,
): Guard | undefined => {
  const rss = fit.sigma ** 2 * fit.df;
  for (const [i, side, name] of [
    [b, baseline, "baseline"],
    [a, candidate, "candidate"],
  ] as const) {
    const shift = i === a ? fit.estimate : 0;
    const residuals = (c.samples[i] ?? [])
      .filter((v) => inSubset(v) && !v.outlier)
      .map((v) => v.x - (fit.baselineLevels.get(v.source) as number) - shift);
    const n = residuals.length;
    if (n < 2 || n > DISPERSION_MAX_RUNS) continue;
    const own = residuals.reduce((sum, r) => sum + r * r, 0);
    const restDf = fit.df - (n - 1);
    if (restDf < 2) continue;
    // The floor keeps an exactly fitting rest (rss − own is then rounding, of either sign) from deciding.
    const restVariance = Math.max((rss - own) / restDf, LOG_SIGMA_FLOOR ** 2);
    const ratio = own / (n - 1) / restVariance;
    const p = fUpperTail(ratio, n - 1, restDf);
    if (p < DISPERSION_P)
      return bestRunsReading(
        c,
        inSubset,
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
  inSubset: (v: Sample) => boolean,
  sigma: number,
  side: number,
  name: GuardName,
  why: string,
): Guard => {
  const worse = directionOf(c.metric) === "higher_is_worse" ? 1 : -1;
  const reach = Math.max(OUTLIER_MIN_LOG, NEAR_BEST_SIGMAS * sigma);
  const near = new Set<Sample>();
  const runs = (c.samples[side] ?? []).filter((v) => inSubset(v) && (!v.outlier || v.better));
  for (const cell of bySource(runs).values()) {
    const best = Math.min(...cell.map((v) => worse * v.x));
    for (const v of cell) if (worse * v.x - best <= reach) near.add(v);
  }
  const sideRuns = new Set(c.samples[side] ?? []);
  return {
    name,
    why,
    reading: `with only the runs no noisy neighbour can have slowed (${runs.length - near.size} left out)`,
    cleanerNoise: true,
    fewRuns: true,
    include: (v) => (sideRuns.has(v) ? near.has(v) : !v.outlier),
  };
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
