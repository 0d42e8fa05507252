import { type MetricFilter, metricPushed } from "../config/metric-filter.js";
import type { MetricSeries } from "./types.js";

/** The series the configuration's `metrics` filter lets through (src/config/metric-filter.ts). */
export const pushedSeries = (series: readonly MetricSeries[], filter: MetricFilter): MetricSeries[] =>
  series.filter((s) => metricPushed(s.metric, filter));
