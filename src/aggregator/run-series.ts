import { locationTag } from "../datadog/tag-names.js";
import type { MetricSeries } from "../datadog/types.js";
import type { RunRecord } from "../store/run-record.js";
import { endpointSeries } from "./endpoint-series.js";

// A completed run as Datadog gauges (docs/contract.md "Datadog metrics and events"): one point per metric at the
// run's start time, tagged service, env, version, location (the record's source) and test; its endpoints' own
// series after them (endpoint-series.ts). Never a run id: each
// tag combination is a billed custom metric. Null values (no data) are left out rather than sent as 0.

const LATENCIES = ["p50", "p75", "p90", "p95", "p99", "max", "mean"] as const;

/**
 * The five Unified Service Tagging style tags every dogdriver series carries, and `team` when the run has one
 * (one team per service, so it adds no tag combination, hence no custom metric).
 */
export const runTags = (
  record: Pick<RunRecord, "service" | "env" | "version" | "source" | "test" | "team">,
): string[] => [
  `service:${record.service}`,
  `env:${record.env}`,
  `version:${record.version}`,
  locationTag(record.source),
  `test:${record.test}`,
  ...(record.team === undefined ? [] : [`team:${record.team}`]),
];

export const errorRate = (record: RunRecord): number | undefined =>
  record.client.error_rate ??
  (record.client.requests > 0 ? record.client.errors / record.client.requests : undefined);

export const runSeries = (record: RunRecord): MetricSeries[] => {
  const timestampMs = Date.parse(record.started_at);
  const tags = runTags(record);
  const series: MetricSeries[] = [];
  const add = (metric: string, value: number | null | undefined, unit?: string) => {
    if (value === null || value === undefined || !Number.isFinite(value)) return;
    series.push({ metric, type: "gauge", ...(unit ? { unit } : {}), tags, points: [{ timestampMs, value }] });
  };
  for (const p of LATENCIES) add(`dogdriver.run.latency.${p}`, record.client.latency_ms[p], "millisecond");
  add("dogdriver.run.requests", record.client.requests, "request");
  add("dogdriver.run.errors", record.client.errors, "error");
  add("dogdriver.run.error_rate", errorRate(record), "fraction");
  add("dogdriver.run.rps", record.client.rps);
  for (const [name, value] of Object.entries(record.server ?? {})) add(`dogdriver.run.server.${name}`, value);
  series.push(...endpointSeries(record, tags));
  return series;
};
