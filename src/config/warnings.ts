import { longestCronGapMs } from "./cron-gap.js";
import { MAX_POINT_AGE_MS, TIMEOUT_UNKNOWN_DURATION_MS } from "./defaults.js";
import { formatDuration } from "./duration.js";
import { metricPushed } from "./metric-filter.js";
import type { Config } from "./types.js";

/**
 * What in a valid configuration will not work as meant: one line per service whose `dogdriver.run.*` gauges
 * can be too old for Datadog when `aggregate` sends them. They are stamped at the run's start, and a run is
 * sent once it ended `settle` ago, at the next aggregate: so up to timeout + settle + the schedule's longest
 * gap after its start (docs/aggregator.md, "Points older than Datadog accepts").
 */
export const configWarnings = (config: Config): string[] => [
  ...filteredMonitorMetrics(config),
  ...stalePointWarnings(config),
];

// The metrics the monitors alert on (src/dashboards/monitors.ts): a filter that drops one silences a monitor.
const MONITORED = [
  "dogdriver.release.change_pct",
  "dogdriver.release.verdict",
  "dogdriver.run.error_rate",
  "dogdriver.run.requests",
];

/** With endpoints.monitors, the per-endpoint regression monitor's. */
const MONITORED_PER_ENDPOINT = [
  "dogdriver.release.endpoint.change_pct",
  "dogdriver.release.endpoint.verdict",
];

const filteredMonitorMetrics = (config: Config): string[] =>
  [...MONITORED, ...(config.endpoints.monitors ? MONITORED_PER_ENDPOINT : [])]
    .filter((metric) => !metricPushed(metric, config.metrics))
    .map(
      (metric) =>
        `metrics.include/exclude leave out ${metric}: the dogdriver monitor that alerts on it will never fire`,
    );

const stalePointWarnings = (config: Config): string[] => {
  const gapMs = longestCronGapMs(config.schedule.aggregate);
  // An expression node-schedule cannot read is `schedule`'s error to report, not a guess to make here.
  if (gapMs === undefined) return [];
  return config.services.flatMap((service) => {
    const timeoutMs = service.test.timeoutMs ?? TIMEOUT_UNKNOWN_DURATION_MS;
    const totalMs = timeoutMs + config.settleMs + gapMs;
    if (totalMs <= MAX_POINT_AGE_MS) return [];
    const timeout =
      service.test.timeoutMs === undefined
        ? `test.timeout ${formatDuration(timeoutMs)} (unset: the runner's limit for a test without a duration)`
        : `test.timeout ${formatDuration(timeoutMs)}`;
    return [
      `service "${service.name}" (env "${service.env}"): ${timeout} + settle ${formatDuration(config.settleMs)} + up to ${formatDuration(gapMs)} until the next aggregate ("${config.schedule.aggregate}") = ${formatDuration(totalMs)}, beyond the ${formatDuration(MAX_POINT_AGE_MS)} within which Datadog accepts a run's points; lower settle or test.timeout, or run aggregate more often`,
    ];
  });
};
