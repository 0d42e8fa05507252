import { borrowed } from "./borrowing.js";
import { compareSubset } from "./compare-subset.js";
import { type HistoryColumns, metricColumn } from "./history-columns.js";
import type { EngineBuffers, MetricContext } from "./metric-context.js";
import { metricSamples } from "./metric-samples.js";
import { directionOf } from "./metric-values.js";
import { noiseAndOutliers } from "./sample-noise.js";
import type { Comparison } from "./types.js";
import { ALL_SOURCES, type Settings } from "./verdict-settings.js";

/** One metric's comparisons: one per source the baseline or the candidate ran at, plus "all" when several. */
export const compareMetric = (
  columns: HistoryColumns,
  metric: string,
  settings: Settings,
  buffers: EngineBuffers,
): Comparison[] => {
  const values = metricColumn(columns, metric, buffers.values.view(columns.runs.length));
  const samples = metricSamples(columns, values, buffers.samples);
  if (samples === undefined) return [];
  const direction = directionOf(metric);
  const withinSigma = noiseAndOutliers(samples, direction, buffers.noise);
  const a = samples.releases - 1;
  const c: MetricContext = {
    columns,
    metric,
    direction,
    settings,
    samples,
    withinSigma,
    buffers,
    b: a - 1,
    a,
  };
  const ids = new Set<number>();
  for (let j = samples.releaseStart[a - 1] as number; j < samples.n; j++)
    ids.add(samples.source[j] as number);
  const sources = [...ids]
    .map((id) => ({ id, name: columns.sources[id] as string }))
    .sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
  const own = sources.map((subset) => compareSubset(c, subset));
  if (sources.length < 2) return own;
  const all = compareSubset(c, { id: -1, name: ALL_SOURCES });
  const comparisons = own.map((row) => borrowed(row, all) ?? row);
  if (settings.combineSources) comparisons.push(all);
  return comparisons;
};
