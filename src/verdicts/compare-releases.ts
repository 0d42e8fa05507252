import type { RunRecord } from "../store/run-record.js";
import { compareMetric } from "./compare-metric.js";
import { holmCorrected } from "./endpoint-family.js";
import { ENDPOINT_METRICS, endpointColumn, endpointIndex } from "./endpoint-values.js";
import { type HistoryColumns, historyColumns, MAX_RELEASES } from "./history-columns.js";
import { engineBuffers } from "./metric-context.js";
import { metricsOf } from "./metric-values.js";
import { type History, releaseHistories } from "./release-history.js";
import type { CompareOptions, Comparison } from "./types.js";
import { type Settings, settingsOf } from "./verdict-settings.js";

// The release comparison; docs/verdicts.md explains the method, its assumptions and references. In short, on
// log values: set aside noisy-neighbour runs (Hampel's rule on median-polish residuals), fit
// value = source level + release level over the recent releases by least squares, and test the candidate's
// level against the baseline's with a t statistic whose noise comes from every recent release's runs.
// Each service's recent runs are read once into columns (history-columns.ts); every metric and comparison
// then works on typed arrays that one engine reuses (metric-context.ts), so a fleet's report makes no per-run
// objects and little garbage.

/** One comparison per service/env/test/source/metric, plus source "all" when there are several sources. */
export const compareReleases = (runs: readonly RunRecord[], options: CompareOptions = {}): Comparison[] => {
  const engine = verdictEngine(options);
  return releaseHistories(runs).flatMap((history) => engine.compare(history));
};

/**
 * The service's runs are enough to compare its endpoints: in some comparison, both sides hold minRuns usable runs
 * (outliers counted). An endpoint's runs are some of those: with fewer, every endpoint comparison would only
 * repeat the service's "candidate has 1 comparable run; 3 needed".
 */
const enoughRuns = (service: readonly Comparison[], minRuns: number): boolean =>
  service.some(
    (c) =>
      c.baseline.runs + c.baseline.outliers >= minRuns && c.candidate.runs + c.candidate.outliers >= minRuns,
  );

export interface VerdictEngine {
  /** The history's comparisons: its candidate (newest release) against its baseline. */
  compare: (history: History) => Comparison[];
  /** Every recent release against the one before it, oldest pair first. */
  compareEvery: (history: History, newest?: Comparison[]) => Comparison[];
}

/** An engine for many histories, one at a time: its buffers are reused by every one of them. */
export const verdictEngine = (options: CompareOptions = {}): VerdictEngine => {
  const { detectPctOf, ...rest } = options;
  const shared = settingsOf(rest);
  const buffers = engineBuffers();
  const compare = (history: History): Comparison[] => {
    if (history.releases.length < 2) return [];
    const own = detectPctOf?.(history.service, history.env);
    const settings: Settings = own === undefined ? shared : { ...shared, detectPct: own };
    const columns = historyColumns(history);
    const metrics = settings.metrics ?? metricsOf(columns.runs);
    const service = metrics.flatMap((metric) => compareMetric(columns, metric, settings, buffers));
    return settings.endpoints && enoughRuns(service, settings.minRuns)
      ? [...service, ...compareEndpoints(columns, settings)]
      : service;
  };
  // Each endpoint on the endpoint metrics (of those asked for), without change points (the service's rows
  // report shifts), then Holm's correction over the release's endpoint comparisons (endpoint-family.ts).
  const compareEndpoints = (columns: HistoryColumns, settings: Settings): Comparison[] => {
    const index = endpointIndex(columns);
    if (index.names.length === 0) return [];
    const metrics = ENDPOINT_METRICS.filter(
      (m) => settings.metrics === undefined || settings.metrics.includes(m),
    );
    const plain = { ...settings, changePoints: false };
    const out: Comparison[] = [];
    for (const endpoint of index.names) {
      const at = index.positions.get(endpoint) as Int32Array;
      for (const metric of metrics) {
        const values = endpointColumn(columns, at, metric, buffers.values.view(columns.runs.length));
        out.push(...compareMetric(columns, metric, plain, buffers, { values, endpoint }));
      }
    }
    return holmCorrected(out, settings.alpha);
  };
  return {
    compare,
    compareEvery: (history, newest = compare(history)) => {
      const first = Math.max(2, history.releases.length - MAX_RELEASES + 2);
      const out: Comparison[] = [];
      for (let end = first; end < history.releases.length; end++)
        out.push(...compare({ ...history, releases: history.releases.slice(0, end) }));
      out.push(...newest);
      return out;
    },
  };
};
