// The dogdriver.* metric and tag names of docs/contract.md ("Datadog metrics and events") that the dashboard and
// the monitors read. The aggregator writes them; a name changed here without the contract breaks both.

export const RUN_LATENCY_PERCENTILES = ["p50", "p75", "p90", "p95", "p99", "max", "mean"] as const;
export type LatencyStat = (typeof RUN_LATENCY_PERCENTILES)[number];

export const runLatencyMetric = (stat: LatencyStat): string => `dogdriver.run.latency.${stat}`;
export const RUN_REQUESTS = "dogdriver.run.requests";
/** errors / requests as a fraction (0..1), like the run record's client.error_rate. */
export const RUN_ERROR_RATE = "dogdriver.run.error_rate";
export const RUN_RPS = "dogdriver.run.rps";
export const runServerMetric = (queryName: string): string => `dogdriver.run.server.${queryName}`;

export const RELEASE_CHANGE_PCT = "dogdriver.release.change_pct";
/** 1 regression, -1 improvement, 0 no change. */
export const RELEASE_VERDICT = "dogdriver.release.verdict";

// Per endpoint, under names of their own: a service-level chart or monitor on dogdriver.run.latency.p95{service:x}
// can never average an endpoint's series in (they carry the same service tags, plus endpoint:).
export const ENDPOINT_LATENCY_PERCENTILES = ["p50", "p95", "p99"] as const;
export const runEndpointLatencyMetric = (stat: (typeof ENDPOINT_LATENCY_PERCENTILES)[number]): string =>
  `dogdriver.run.endpoint.latency.${stat}`;
export const RUN_ENDPOINT_REQUESTS = "dogdriver.run.endpoint.requests";
export const RUN_ENDPOINT_ERRORS = "dogdriver.run.endpoint.errors";
/** errors / requests of the endpoint, a fraction (0..1). */
export const RUN_ENDPOINT_ERROR_RATE = "dogdriver.run.endpoint.error_rate";
export const RUN_ENDPOINT_RPS = "dogdriver.run.endpoint.rps";
/** The server's latency of the endpoint from APM (the record's server_ms). */
export const RUN_ENDPOINT_SERVER_LATENCY = "dogdriver.run.endpoint.server.latency_ms";
export const RELEASE_ENDPOINT_CHANGE_PCT = "dogdriver.release.endpoint.change_pct";
export const RELEASE_ENDPOINT_VERDICT = "dogdriver.release.endpoint.verdict";

/** The release metrics' extra tag: the compared field's dotted path (client.latency_ms.p95). */
export const METRIC_TAG = "metric";

/** The monitor tag that marks what `dogdriver provision` owns (and may update or prune). */
export const MANAGED_BY_TAG = "managed_by:dogdriver";
