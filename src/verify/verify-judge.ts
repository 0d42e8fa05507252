import { CLIENT_METRICS } from "../config/compared-metrics.js";
import type { RunRecord } from "../store/run-record.js";
import { verdictEngine } from "../verdicts/compare-releases.js";
import { type History, releaseHistories } from "../verdicts/release-history.js";
import type { Comparison } from "../verdicts/types.js";
import { ALL_SOURCES } from "../verdicts/verdict-settings.js";

// One look of `dogdriver verify` (docs/verify.md): the deployed release (the candidate) against its baseline on
// the load test's own metrics, each judged by the anytime-valid test of src/verdicts/sequential.ts, with the
// engine's noise, source offsets, outlier rule, flags and guards as for any verdict.

/**
 * The level of verify's confidence sequences, all metrics together (each metric α/4: Bonferroni). The sequence is
 * conservative (bench/verify-sequence.ts: a metric's false decisions a fifth of its level or less) and the four
 * metrics move together, so the false decisions measured lie far under it: on the verify benchmark's streams,
 * outlier and saturated runs included, 0.23% pooled at 3% (docs/benchmarks.md, "Verify"). As today's α = 0.0075
 * for the fixed-sample verdicts, it was chosen by measurement: 2% (0.17% false decisions) left a 10% change at 5%
 * noise undecided at the 10-run budget in 45% of the streams, 3% in 41% (a median of 8 runs).
 */
export const VERIFY_ALPHA = 0.03;
/**
 * The mixture's scale (a log-ratio): the change the confidence sequence narrows on fastest. 0.1 (a ~10% change)
 * was chosen on the verify benchmark's histories (docs/benchmarks.md, "Verify"): the sequence is wide for one or
 * two runs whatever τ, and τ near the equivalence margin lets an unchanged release say no_change soonest.
 */
const VERIFY_TAU = 0.1;
/**
 * A false "no change" (every metric's sequence within the equivalence margin while one of them moved more) over
 * every look: as the fixed-sample verdict's 95% interval.
 */
const VERIFY_EQUIVALENCE_ALPHA = 0.05;
/**
 * The metrics verify decides on: the load test's own (server metrics reach Datadog only after the settle delay),
 * but its p99: a deploy-time run of a few hundred requests puts its p99 on its two or three slowest requests, a
 * tail so noisy (12% from run to run where p95 varies 6%) that no verify could rule out a change in it within its
 * budget. The scheduled runs' verdicts still compare p99.
 */
/** The fewest comparable runs a side may have in a look (a regression needs 3 candidate runs: compare-subset.ts). */
export const VERIFY_MIN_RUNS = 2;

export const VERIFY_METRICS = CLIENT_METRICS.filter((m) => m !== "client.latency_ms.p99");

/**
 * The metric whose decision ends a verify without a regression: the configured `alerts.regression_metric` when
 * verify decides on it, else p95 (a p99 or server.* headline would leave verify able to say only "regression").
 */
export const verifyHeadline = (configured: string): string =>
  (VERIFY_METRICS as readonly string[]).includes(configured) ? configured : "client.latency_ms.p95";

export interface VerifyLook {
  /** Per metric, the row verify judges: over every source when there are several, else the only one. */
  rows: Comparison[];
}

export interface VerifyTarget {
  service: string;
  env: string;
  test: string;
  baseline: string;
  candidate: string;
}

/** The history of `target` with its baseline and candidate last (older releases keep their order). */
const orderedHistory = (runs: readonly RunRecord[], target: VerifyTarget): History | undefined => {
  const history = releaseHistories(runs).find(
    (h) => h.service === target.service && h.env === target.env && h.test === target.test,
  );
  if (history === undefined) return undefined;
  const baseline = history.releases.find((r) => r.version === target.baseline);
  const candidate = history.releases.find((r) => r.version === target.candidate);
  if (baseline === undefined || candidate === undefined) return undefined;
  const others = history.releases.filter((r) => r !== baseline && r !== candidate);
  return { ...history, releases: [...others, baseline, candidate] };
};

/** verify's levels: the benchmark (bench/verify.ts) can try others. */
export interface VerifyLevels {
  /** False regressions or improvements over every look, all metrics together. */
  alpha: number;
  /** A false "no change" over every look, all metrics together. */
  equivalenceAlpha: number;
  tau: number;
}

export const VERIFY_LEVELS: VerifyLevels = {
  alpha: VERIFY_ALPHA,
  equivalenceAlpha: VERIFY_EQUIVALENCE_ALPHA,
  tau: VERIFY_TAU,
};

/** Judges the candidate against the baseline with every run stored or made so far. */
export const verifyLook = (
  runs: readonly RunRecord[],
  target: VerifyTarget,
  options: { detectPct?: number; levels?: VerifyLevels } = {},
): VerifyLook => {
  const history = orderedHistory(runs, target);
  if (history === undefined) return { rows: [] };
  const levels = options.levels ?? VERIFY_LEVELS;
  // Bonferroni over the metrics: every metric's sequence holds at once with probability 1 - α.
  const engine = verdictEngine({
    alpha: levels.alpha / VERIFY_METRICS.length,
    sequential: { tau: levels.tau, equivalenceAlpha: levels.equivalenceAlpha / VERIFY_METRICS.length },
    minRuns: VERIFY_MIN_RUNS,
    changePoints: false,
    endpoints: false,
    metrics: VERIFY_METRICS,
    ...(options.detectPct === undefined ? {} : { detectPct: options.detectPct }),
  });
  return { rows: verifyRows(engine.compare(history)) };
};

/** Per metric, the row verify judges: over every source when there are several, else the only one. */
export const verifyRows = (comparisons: readonly Comparison[]): Comparison[] =>
  VERIFY_METRICS.flatMap((metric) => {
    const own = comparisons.filter((c) => c.metric === metric);
    return own.find((c) => c.source === ALL_SOURCES) ?? (own.length === 1 ? own : []);
  });
