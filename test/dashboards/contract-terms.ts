// What a dashboard or monitor query may name, written out from docs/contract.md ("Datadog metrics and events")
// independently of src/, so a typo in the generator is caught rather than copied.

const RUN_STATS = ["p50", "p75", "p90", "p95", "p99", "max", "mean"];

export const contractMetrics = (serverQueries: string[]): Set<string> =>
  new Set([
    ...RUN_STATS.map((s) => `dogdriver.run.latency.${s}`),
    "dogdriver.run.requests",
    "dogdriver.run.errors",
    "dogdriver.run.error_rate",
    "dogdriver.run.rps",
    ...serverQueries.map((q) => `dogdriver.run.server.${q}`),
    "dogdriver.release.change_pct",
    "dogdriver.release.verdict",
    ...["p50", "p95", "p99"].map((s) => `dogdriver.run.endpoint.latency.${s}`),
    "dogdriver.run.endpoint.requests",
    "dogdriver.run.endpoint.errors",
    "dogdriver.run.endpoint.error_rate",
    "dogdriver.run.endpoint.rps",
    "dogdriver.run.endpoint.server.latency_ms",
    "dogdriver.release.endpoint.change_pct",
    "dogdriver.release.endpoint.verdict",
  ]);

// `location` replaced `source` (issue 16): Datadog reserves `source` for the integration of a log or an event.
export const SERIES_TAG_KEYS = new Set(["service", "env", "version", "location", "test"]);
/** Only the release metrics carry `metric:`. */
export const RELEASE_ONLY_TAG_KEYS = new Set(["metric"]);
/** Only the per-endpoint metrics (dogdriver.run.endpoint.*, dogdriver.release.endpoint.*) carry `endpoint:`. */
export const ENDPOINT_ONLY_TAG_KEYS = new Set(["endpoint"]);
export const EVENT_TAG_KEYS = new Set(["service", "env", "version"]);
export const EVENT_BARE_TAG = "dogdriver";
/** The kinds a dashboard overlay may select: releases and verdicts, never the runs' start/stop events. */
export const OVERLAY_EVENT_KINDS = new Set(["dogdriver_event:release", "dogdriver_event:verdict"]);
