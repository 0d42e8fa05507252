// Which dogdriver.* metrics are pushed (configuration `metrics.include` / `metrics.exclude`, as Artillery's
// Datadog plugin offers includeOnly/excluded): each dropped metric saves its custom-metric series (docs/aggregator.md,
// "What it costs"). Patterns are metric names in which `*` stands for any characters.

export interface MetricFilter {
  /** Only these (all when empty). */
  include: string[];
  /** Never these, even when included. */
  exclude: string[];
}

const matcher = (pattern: string): RegExp =>
  new RegExp(
    `^${pattern
      .split("*")
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
      .join(".*")}$`,
  );

/** True when the filter lets `metric` through. */
export const metricPushed = (metric: string, filter: MetricFilter): boolean =>
  (filter.include.length === 0 || filter.include.some((p) => matcher(p).test(metric))) &&
  !filter.exclude.some((p) => matcher(p).test(metric));
