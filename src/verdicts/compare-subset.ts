import { comparisonRow, type RowHead } from "./comparison-row.js";
import { firedGuards } from "./guards.js";
import { RunKind } from "./history-columns.js";
import { type Judgement, judge } from "./judge.js";
import { medianInPlace } from "./median.js";
import { inSubset, type MetricContext, type Subset } from "./metric-context.js";
import { fitReading, mainReading, type Reading } from "./readings.js";
import { releaseChangePoints } from "./release-change-points.js";
import { round, roundP } from "./rounding.js";
import { runsForDetection } from "./runs-needed.js";
import type { Comparison, ReleaseSide } from "./types.js";
import { describeChange, formatP, noiseOf, sigmaFloor, unitsOf } from "./units.js";
import { ALL_SOURCES } from "./verdict-settings.js";

// One comparison: a metric of the candidate against the baseline, at one source or over every source at once
// (docs/verdicts.md, "The method"): the main reading, the guards' second readings, and the verdict they agree on.

export const compareSubset = (c: MetricContext, subset: Subset): Comparison => {
  const s = c.settings;
  const baseline = side(c, subset, c.b);
  const candidate = side(c, subset, c.a);
  const units = unitsOf(c.samples.scale, c.metric, s, baseline.median);
  const base: RowHead = {
    service: c.columns.history.service,
    env: c.columns.history.env,
    source: subset.name,
    test: c.columns.history.test,
    metric: c.metric,
    endpoint: c.endpoint,
    direction: c.direction,
    scale: c.samples.scale,
    baseline,
    candidate,
    change_points: s.changePoints
      ? [c.b, c.a].flatMap((i) =>
          releaseChangePoints(
            c.samples,
            i,
            (c.columns.recent[i] as { version: string }).version,
            (j) => inSubset(c, subset, j),
            units,
            c.buffers.changePoints,
          ),
        )
      : [],
    as_of_ms: asOf(c, subset),
    basis: subset.name === ALL_SOURCES ? ("all_sources" as const) : ("source" as const),
  };
  const nb = baseline.runs;
  const nc = candidate.runs;

  if (nc < s.minRuns || nb < s.minRuns) {
    const needMore = nc < s.minRuns;
    const sigma = Math.max(c.withinSigma, sigmaFloor(c.samples.scale));
    const needed = Number.isNaN(c.withinSigma)
      ? null
      : runsForDetection(s.alpha, units, sigma, 1 / Math.max(nb, 1), nc);
    return comparisonRow(base, {
      ...UNDECIDED,
      noise: noiseOf(c.samples.scale, c.withinSigma),
      runs_needed: needMore ? Math.max(s.minRuns - nc, needed ?? 0) : null,
      reason: `${needMore ? `candidate has ${nc}` : `baseline has ${nb}`} comparable run${(needMore ? nc : nb) === 1 ? "" : "s"}; ${s.minRuns} needed`,
    });
  }
  const main = mainReading(c, subset);
  if (main === undefined) {
    return comparisonRow(base, {
      ...UNDECIDED,
      noise: noiseOf(c.samples.scale, c.withinSigma),
      runs_needed: null,
      reason: "no source links the baseline's runs with the candidate's yet",
    });
  }
  const guards = firedGuards(c, subset, main, baseline, candidate);
  const others = guards.map((guard, k): Reading | undefined => {
    const mask = (c.buffers.masks[k + 1] as (typeof c.buffers.masks)[number]).view(c.samples.n);
    guard.fill(mask);
    return fitReading(c, mask);
  });
  // The fit's residual SD, with the fit's degrees of freedom in the t quantile: that accounts for σ̂'s own
  // uncertainty. (Taking the larger of it and the within-release robust SD, as an earlier version did, biased
  // σ̂ up by ~5% and cost a tenth of the power at 5% noise; the benchmark's false alarms stayed under 1% without it.)
  // When a guard's other reading leaves out runs that may be noisy neighbours, both readings are tested with
  // that cleaner reading's noise: the doubtful runs question the release's level, and letting a 2x neighbour
  // also inflate σ̂ would decide the answer by the noise, not by the level.
  const cleaner = others.find((o, k) => o !== undefined && guards[k]?.cleanerNoise === true);
  const noise = (cleaner ?? main).fit;
  let primary: Judgement = judge(c, units, main, noise, nb, nc);
  const notes: string[] = [];
  let disagree = false;
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
    if (second?.verdict !== primary.verdict) disagree = true;
  });
  // verify's looks can wait for the next run instead: a doubt about the candidate's runs beyond "each run alone
  // agrees" (two noisy neighbours in a row read like a regression in both readings) leaves this look
  // undecided. A doubt about the baseline's runs no later run can clear: as for any verdict, the two readings
  // must agree.
  const waits =
    !disagree &&
    primary.verdict !== "insufficient_data" &&
    s.sequential !== undefined &&
    guards.some((g) => g.doubts === "candidate");
  let verdict = disagree || waits ? "insufficient_data" : primary.verdict;
  let reason = primary.reason;
  const neighbours = verdict === "regression" ? neighbourRuns(nc) : undefined;
  if (neighbours !== undefined) {
    verdict = "insufficient_data";
    reason = `${primary.reason}, but ${neighbours}`;
  } else if (guards.length > 0 && verdict !== "insufficient_data")
    reason = `${primary.reason}; the verdict holds in both readings: ${notes.join("; ")}`;
  else if (guards.length > 0) {
    // Undecided: the evidence shown is the main reading with its own noise.
    if (noise !== main.fit) primary = judge(c, units, main, main.fit, nb, nc);
    reason = `${describeChange(primary.changePct, primary.shift)} (p=${formatP(primary.pValue)}), but ${notes.join("; ")}: ${waits ? "verify waits for the candidate's next run" : "the readings disagree"}`;
  }
  return comparisonRow(base, {
    change_pct: primary.changePct === null ? null : round(primary.changePct, 2),
    change_ci_pct:
      primary.low === null || primary.high === null ? null : [round(primary.low, 2), round(primary.high, 2)],
    verdict,
    p_value: roundP(primary.pValue),
    noise: noiseOf(c.samples.scale, primary.sigma),
    runs_needed: verdict === primary.verdict ? primary.needed : null,
    reason,
    guards: guards.length === 0 ? undefined : guards.map((g) => g.name),
  });
};

const UNDECIDED = {
  change_pct: null,
  change_ci_pct: null,
  verdict: "insufficient_data",
  p_value: null,
} as const;

// Noisy neighbours only ever make runs slower: two slow runs in a row may both have met one (in a busy fleet, where
// 5% of runs do, one time in 400), and both of its readings would agree. A regression needs one more run, whatever
// the minimum of runs (verify compares from 2; the fixed-sample verdicts need 3 anyway); an improvement, which no
// neighbour can fake, does not.
const REGRESSION_RUNS = 3;

/** Why `nc` candidate runs are too few for a regression, or undefined. */
const neighbourRuns = (nc: number): string | undefined =>
  nc >= REGRESSION_RUNS
    ? undefined
    : `${nc} slower runs in a row may all have met noisy neighbours: a regression needs ${REGRESSION_RUNS}`;

/** What the comparison says of one release: its runs in the comparison, their median, and what was left out. */
const side = (c: MetricContext, subset: Subset, i: number): ReleaseSide => {
  const release = c.columns.recent[i] as (typeof c.columns.recent)[number];
  let flagged = 0;
  let saturated = 0;
  let failed = 0;
  for (let k = c.columns.releaseStart[i] as number; k < (c.columns.releaseStart[i + 1] as number); k++) {
    if (subset.id >= 0 && c.columns.source[k] !== subset.id) continue;
    const kind = c.columns.kind[k];
    if (kind === RunKind.failed) failed++;
    else if (kind === RunKind.flagged) flagged++;
    else if (kind === RunKind.saturated) {
      flagged++;
      saturated++;
    }
  }
  const s = c.samples;
  const from = s.releaseStart[i] as number;
  const to = s.releaseStart[i + 1] as number;
  const values = c.buffers.pairs.view(to - from);
  let runs = 0;
  let outliers = 0;
  for (let j = from; j < to; j++) {
    if (!inSubset(c, subset, j)) continue;
    if (s.outlier[j] === 1) outliers++;
    else values[runs++] = s.raw[j] as number;
  }
  return {
    version: release.version,
    runs,
    median: runs > 0 ? medianInPlace(values.subarray(0, runs)) : null,
    first_seen: c.columns.firstSeen[i] as string,
    flagged,
    saturated,
    failed,
    outliers,
  };
};

/** started_at of the newest candidate run in the comparison, or the candidate's first run's. */
const asOf = (c: MetricContext, subset: Subset): number => {
  const s = c.samples;
  let newest = Number.NEGATIVE_INFINITY;
  for (let j = s.releaseStart[c.a] as number; j < (s.releaseStart[c.a + 1] as number); j++)
    if (inSubset(c, subset, j) && s.outlier[j] === 0) newest = Math.max(newest, s.startedMs[j] as number);
  return newest === Number.NEGATIVE_INFINITY
    ? (c.columns.recent[c.a] as { firstSeenMs: number }).firstSeenMs
    : newest;
};
