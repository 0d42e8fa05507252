import { borrowed } from "./borrowing.js";
import { compareSubset } from "./compare-subset.js";
import { type HistoryColumns, metricColumn, RunKind } from "./history-columns.js";
import type { EngineBuffers, MetricContext, Subset } from "./metric-context.js";
import { type MetricSamples, metricSamples } from "./metric-samples.js";
import { directionOf } from "./metric-values.js";
import { mainReading } from "./readings.js";
import { noiseAndOutliers, SHIFT_MIN_RUNS } from "./sample-noise.js";
import { disagreementP, type SourceChange } from "./source-agreement.js";
import type { Comparison } from "./types.js";
import { describeChange, formatP, sigmaFloor, unitsOf } from "./units.js";
import { ALL_SOURCES, type Settings } from "./verdict-settings.js";

// One metric's comparisons: one per source the baseline or the candidate ran at, plus "all" when several
// (docs/verdicts.md, "Borrowing across sources" and "Sources that disagree").

// A location with no runs before the baseline, while the service has some elsewhere, joined during the
// baseline: its level there rests on its first runs, which a cold start (caches, connections, a new region)
// can make several times slower. With fewer runs than two change-point segments, neither the outlier rule nor
// the shift search can tell a warm-up from the location's level, so those runs neither lend an offset to the
// other locations' comparison nor decide the location's own.
const NEWCOMER_MIN_RUNS = 2 * SHIFT_MIN_RUNS;

export const compareMetric = (
  columns: HistoryColumns,
  metric: string,
  settings: Settings,
  buffers: EngineBuffers,
  of: {
    /** The metric's value in each run (NaN: none); by default the run's own (metricColumn). */
    values?: Float64Array;
    /** The endpoint these values are of (endpoint-values.ts), for its comparisons' `endpoint`. */
    endpoint?: string;
  } = {},
): Comparison[] => {
  const values = of.values ?? metricColumn(columns, metric, buffers.values.view(columns.runs.length));
  const endpoint = of.endpoint;
  const everyone = metricSamples(columns, values, buffers.samples);
  if (everyone === undefined) return [];
  const direction = directionOf(metric);
  const b = everyone.releases - 2;
  const sources = sourcesOf(everyone, b, columns);
  const newcomers = newcomersOf(everyone, b);
  const joint =
    newcomers.size === 0
      ? everyone
      : metricSamples(columns, values, buffers.samples, (id) => !newcomers.has(id));
  const context = (samples: MetricSamples): MetricContext => {
    const withinSigma = noiseAndOutliers(
      samples,
      direction,
      samples === joint ? buffers.noise : buffers.own.noise,
    );
    const a = samples.releases - 1;
    return { columns, metric, endpoint, direction, settings, samples, withinSigma, buffers, b: a - 1, a };
  };
  // One location alone, its noise and outliers from its own runs only.
  const ownContext = (subset: Subset): MetricContext | undefined => {
    const own = metricSamples(columns, values, buffers.own.samples, (id) => id === subset.id);
    return own === undefined ? undefined : context(own);
  };
  const c = joint === undefined ? undefined : context(joint);
  const lending = sources.filter((s) => !newcomers.has(s.id));
  const rows = new Map<number, Comparison>();
  for (const subset of lending) rows.set(subset.id, compareSubset(c as MetricContext, subset));
  for (const subset of sources.filter((s) => newcomers.has(s.id))) {
    const own = ownContext(subset);
    if (own !== undefined) rows.set(subset.id, newcomerRow(compareSubset(own, subset), own, subset));
  }
  const ordered = sources.flatMap((s) => rows.get(s.id) ?? []);
  if (sources.length < 2) return ordered;
  let all = c === undefined ? undefined : compareSubset(c, { id: -1, name: ALL_SOURCES });
  if (all !== undefined && newcomers.size > 0)
    all = { ...all, reason: `${all.reason}; ${leftOut(sources, newcomers)}` };
  // Only locations whose own runs can be compared (minRuns on both sides) are asked: building the others' own
  // analyses would find nothing.
  const comparable = (subset: Subset) =>
    [b, b + 1].every((i) => {
      let count = 0;
      for (let k = columns.releaseStart[i] as number; k < (columns.releaseStart[i + 1] as number); k++)
        if (
          columns.source[k] === subset.id &&
          columns.kind[k] === RunKind.usable &&
          !Number.isNaN(values[k] as number)
        )
          count++;
      return count >= settings.minRuns;
    });
  const disagreement =
    all === undefined ? undefined : disagreementOf(lending.filter(comparable), ownContext, all);
  let comparisons: Comparison[];
  if (all !== undefined && disagreement !== undefined) {
    // Each location's own verdict, from its own runs; none borrows, and "all" gives none.
    comparisons = sources.map((s) => {
      if (newcomers.has(s.id)) return rows.get(s.id) as Comparison;
      const own = ownContext(s);
      return own === undefined ? (rows.get(s.id) as Comparison) : compareSubset(own, s);
    });
    all = disagreeing(all, disagreement);
  } else
    comparisons = sources.flatMap((s) => {
      const row = rows.get(s.id);
      if (row === undefined) return [];
      return all === undefined || newcomers.has(s.id) ? row : (borrowed(row, all) ?? row);
    });
  if (settings.combineSources && all !== undefined) comparisons.push(all);
  return comparisons;
};

/** Every source the baseline or the candidate ran at, by name. */
const sourcesOf = (s: MetricSamples, b: number, columns: HistoryColumns): Subset[] => {
  const ids = new Set<number>();
  for (let j = s.releaseStart[b] as number; j < s.n; j++) ids.add(s.source[j] as number);
  return [...ids]
    .map((id) => ({ id, name: columns.sources[id] as string }))
    .sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
};

/** Sources whose first runs are in the baseline, fewer than NEWCOMER_MIN_RUNS there, while others ran before. */
const newcomersOf = (s: MetricSamples, b: number): Set<number> => {
  const before = new Set<number>();
  for (let j = 0; j < (s.releaseStart[b] as number); j++) before.add(s.source[j] as number);
  const inBaseline = new Map<number, number>();
  for (let j = s.releaseStart[b] as number; j < (s.releaseStart[b + 1] as number); j++) {
    const id = s.source[j] as number;
    inBaseline.set(id, (inBaseline.get(id) ?? 0) + 1);
  }
  const out = new Set<number>();
  if (before.size === 0) return out;
  for (const [id, runs] of inBaseline) if (!before.has(id) && runs < NEWCOMER_MIN_RUNS) out.add(id);
  return out;
};

const leftOut = (sources: readonly Subset[], newcomers: ReadonlySet<number>): string => {
  const names = sources.filter((s) => newcomers.has(s.id)).map((s) => s.name);
  return `${names.join(", ")} left out: no runs before the baseline, whose first runs alone cannot give ${names.length === 1 ? "its" : "their"} level`;
};

/** A newcomer's own row: its runs' reading stays as evidence, but they do not decide. */
const newcomerRow = (row: Comparison, c: MetricContext, subset: Subset): Comparison => {
  const b = c.samples.releaseStart[c.b + 1] as number;
  const first = b - (c.samples.releaseStart[c.b] as number);
  return {
    ...row,
    verdict: "insufficient_data",
    runs_needed: null,
    reason: `${subset.name} has no runs before the baseline, and its first ${first} run${first === 1 ? "" : "s"} there (${NEWCOMER_MIN_RUNS} needed) cannot tell its level from a warm-up; its own runs: ${row.reason}`,
  };
};

interface Disagreement {
  p: number;
  changes: { name: string; change: SourceChange; pct: string }[];
}

/**
 * The locations' own changes when they disagree beyond their noise (p < α) by at least the practical
 * threshold, else undefined. Locations whose own runs give no estimate (too few) are not asked.
 */
const disagreementOf = (
  lending: readonly Subset[],
  ownContext: (subset: Subset) => MetricContext | undefined,
  all: Comparison,
): Disagreement | undefined => {
  if (lending.length < 2) return undefined;
  const changes: Disagreement["changes"] = [];
  let threshold = 0;
  let alpha = 0;
  for (const subset of lending) {
    const c = ownContext(subset);
    if (c === undefined) continue;
    const s = c.samples;
    const reading = mainReading(c, subset);
    if (reading === undefined || Math.min(reading.nb, reading.nc) < c.settings.minRuns) continue;
    const fit = reading.fit;
    const se = Math.max(fit.sigma, sigmaFloor(s.scale)) * Math.sqrt(fit.varianceFactor);
    const units = unitsOf(s.scale, c.metric, c.settings, all.baseline.median);
    threshold = units.threshold;
    alpha = c.settings.alpha;
    changes.push({
      name: subset.name,
      change: { shift: fit.estimate, se, df: fit.df },
      pct: describeChange(units.pct(fit.estimate), fit.estimate),
    });
  }
  const p = disagreementP(changes.map((x) => x.change));
  if (!(p < alpha)) return undefined;
  const shifts = changes.map((x) => x.change.shift);
  if (Math.max(...shifts) - Math.min(...shifts) < threshold) return undefined;
  return { p, changes };
};

/** The all-sources row when the locations disagree: no verdict over them, and why. */
const disagreeing = (all: Comparison, d: Disagreement): Comparison => ({
  ...all,
  change_pct: null,
  change_ci_pct: null,
  verdict: "insufficient_data",
  p_value: null,
  runs_needed: null,
  reason: `the locations disagree about the change (p=${formatP(d.p)}): ${d.changes.map((x) => `${x.name} ${x.pct}`).join(", ")}; each location's own row gives its verdict`,
});
