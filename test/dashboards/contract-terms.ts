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
  ]);

export const SERIES_TAG_KEYS = new Set(["service", "env", "version", "source", "test"]);
/** Only the release metrics carry `metric:`. */
export const RELEASE_ONLY_TAG_KEYS = new Set(["metric"]);
export const EVENT_TAG_KEYS = new Set(["service", "env", "version"]);
export const EVENT_BARE_TAG = "dogdriver";
