import {
  ENDPOINT_LATENCY_PERCENTILES,
  RUN_ENDPOINT_ERROR_RATE,
  RUN_ENDPOINT_ERRORS,
  RUN_ENDPOINT_REQUESTS,
  RUN_ENDPOINT_RPS,
  RUN_ENDPOINT_SERVER_LATENCY,
  runEndpointLatencyMetric,
} from "../dashboards/metric-names.js";
import { endpointTag } from "../datadog/endpoint-tag.js";
import type { MetricSeries } from "../datadog/types.js";
import { endpointRps, type RunRecord } from "../store/run-record.js";

// A run's endpoints as Datadog gauges (docs/datadog.md, "Endpoint metrics"): the run's tags plus endpoint:<name>,
// one point each at the run's start, under dogdriver.run.endpoint.* names of their own. "other" is sent too
// (tag endpoint:other): the endpoints' requests then add up to the run's. At most endpoints.max + 1 endpoints per
// record, so the series a service adds are bounded by the configuration (the cost is in docs/datadog.md).

export const endpointSeries = (record: RunRecord, runTags: readonly string[]): MetricSeries[] => {
  const timestampMs = Date.parse(record.started_at);
  const series: MetricSeries[] = [];
  for (const e of record.client.endpoints ?? []) {
    const tags = [...runTags, endpointTag(e.name)];
    const add = (metric: string, value: number | null | undefined, unit?: string) => {
      if (value === null || value === undefined || !Number.isFinite(value)) return;
      series.push({
        metric,
        type: "gauge",
        ...(unit ? { unit } : {}),
        tags,
        points: [{ timestampMs, value }],
      });
    };
    for (const p of ENDPOINT_LATENCY_PERCENTILES)
      add(runEndpointLatencyMetric(p), e.latency_ms[p], "millisecond");
    add(RUN_ENDPOINT_REQUESTS, e.requests, "request");
    add(RUN_ENDPOINT_ERRORS, e.errors, "error");
    add(RUN_ENDPOINT_ERROR_RATE, e.requests > 0 ? e.errors / e.requests : undefined, "fraction");
    add(RUN_ENDPOINT_RPS, endpointRps(record.client, e.requests));
    add(RUN_ENDPOINT_SERVER_LATENCY, e.server_ms, "millisecond");
  }
  return series;
};
