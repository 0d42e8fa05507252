// The metrics releases are compared on, as a configuration names them (alerts.regression_metric, report's
// --fail-on-metric): every client.* metric of a run, and server.<name> for each configured query but the
// topology's. The verdict engine reads the same list (src/verdicts/metric-values.ts).

export const CLIENT_METRICS = [
  "client.latency_ms.p50",
  "client.latency_ms.p95",
  "client.latency_ms.p99",
  "client.error_rate",
  "client.rps",
] as const;

// The topology query's min/max describe the deployment (host count), not its speed: they flag runs instead.
export const NOT_COMPARED: ReadonlySet<string> = new Set(["server.topology_min", "server.topology_max"]);

/**
 * Why `name` is not a metric that releases are compared on, or undefined when it is: one of CLIENT_METRICS, or
 * server.<name> for one of `serverNames` (the configured queries' names, and what stored runs hold).
 */
export const notComparedMetric = (name: string, serverNames: Iterable<string>): string | undefined => {
  const server = [...new Set(serverNames)].map((n) => `server.${n}`).filter((m) => !NOT_COMPARED.has(m));
  if ((CLIENT_METRICS as readonly string[]).includes(name) || server.includes(name)) return undefined;
  const known = [...CLIENT_METRICS, ...server.sort()].join(", ");
  return `"${name}" is not a metric releases are compared on (${known}${server.length === 0 ? ", or server.<query name> for a configured query" : ""})`;
};
