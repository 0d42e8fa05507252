import { CLIENT_METRICS, NOT_COMPARED } from "../config/compared-metrics.js";
import type { RunRecord } from "../store/run-record.js";
import type { Direction } from "./types.js";

// Which run-record fields are compared (the list: src/config/compared-metrics.ts), how to read them, and which way
// is worse.

/** client.* metrics plus every server.* value present in any run, in a stable order. */
export const metricsOf = (runs: readonly RunRecord[]): string[] => {
  const server = new Set<string>();
  for (const run of runs) {
    const values = run.server;
    if (values !== undefined) for (const name in values) server.add(`server.${name}`);
  }
  return [...CLIENT_METRICS, ...[...server].filter((m) => !NOT_COMPARED.has(m)).sort()];
};

const LATENCY = "client.latency_ms.";

const finite = (value: unknown): number | undefined =>
  typeof value === "number" && Number.isFinite(value) ? value : undefined;

/**
 * A reader of one metric (dotted path): its value in a run, or undefined when absent, null or not finite. The
 * path is taken apart once: a fleet's report reads every run's metrics, 800,000 reads.
 */
export const metricReader = (metric: string): ((run: RunRecord) => number | undefined) => {
  if (metric === "client.error_rate")
    return (run) =>
      finite(
        run.client.error_rate ??
          (run.client.requests > 0 ? run.client.errors / run.client.requests : undefined),
      );
  if (metric.startsWith("server.")) {
    const name = metric.slice("server.".length);
    return (run) => finite(run.server?.[name]);
  }
  if (metric.startsWith(LATENCY)) {
    const name = metric.slice(LATENCY.length);
    return (run) => finite((run.client.latency_ms as Record<string, unknown>)[name]);
  }
  const path = metric.split(".");
  return (run) =>
    finite(path.reduce<unknown>((obj, key) => (obj as Record<string, unknown> | undefined)?.[key], run));
};

/** The value of a metric (dotted path) in a run, or undefined when absent, null or not finite. */
export const metricValue = (run: RunRecord, metric: string): number | undefined => metricReader(metric)(run);

// Throughput-like names: more is better. Everything else (latency, errors, CPU, memory) up is worse.
const HIGHER_IS_BETTER = /(^|[._])(rps|qps|throughput|requests_per_s\w*|hits)$/;

export const directionOf = (metric: string): Direction =>
  HIGHER_IS_BETTER.test(metric) ? "higher_is_better" : "higher_is_worse";
