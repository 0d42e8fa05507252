import type { EndpointEntry, RunRecord } from "../store/run-record.js";
import type { HistoryColumns } from "./history-columns.js";

// Per-endpoint comparisons (docs/verdicts.md, "Endpoints"): which endpoints of a history are compared, on which
// metrics, and each one's value in every run. An endpoint's comparisons carry the service's metric names (its
// latency p95 is client.latency_ms.p95) and `endpoint`; the entry "other" (every endpoint beyond the top N) is
// a mix whose share changes from run to run, and is not compared.

/**
 * The load test's own per-endpoint metrics, and the server's time for it where APM matched (server_ms). Not p99:
 * an endpoint's share of a run's requests puts its p99 on a handful of them, and each metric compared widens the
 * family Holm corrects for.
 */
export const ENDPOINT_METRICS = [
  "client.latency_ms.p50",
  "client.latency_ms.p95",
  "client.error_rate",
  "server_ms",
] as const;

const read = (entry: EndpointEntry, metric: string): number | undefined => {
  switch (metric) {
    case "client.latency_ms.p50":
      return entry.latency_ms.p50 ?? undefined;
    case "client.latency_ms.p95":
      return entry.latency_ms.p95 ?? undefined;
    case "client.error_rate":
      return entry.requests > 0 ? entry.errors / entry.requests : undefined;
    case "server_ms":
      return entry.server_ms;
    default:
      return undefined;
  }
};

export interface EndpointIndex {
  /** Endpoint names of the baseline's or the candidate's runs, in name order. */
  names: string[];
  /** For each name, the position of its entry in each run's client.endpoints (-1: none). */
  positions: Map<string, Int32Array>;
}

/** The endpoints the history's baseline or candidate ran, and where each run holds them. */
export const endpointIndex = (columns: HistoryColumns): EndpointIndex => {
  const runs = columns.runs;
  const positions = new Map<string, Int32Array>();
  const compared = new Set<string>();
  const baselineStart = columns.releaseStart[columns.recent.length - 2] ?? 0;
  for (let k = 0; k < runs.length; k++) {
    const list = (runs[k] as RunRecord).client.endpoints;
    if (list === undefined) continue;
    for (let e = 0; e < list.length; e++) {
      const entry = list[e] as EndpointEntry;
      if (entry.other === true) continue;
      let at = positions.get(entry.name);
      if (at === undefined) {
        at = new Int32Array(runs.length).fill(-1);
        positions.set(entry.name, at);
      }
      at[k] = e;
      if (k >= baselineStart) compared.add(entry.name);
    }
  }
  return { names: [...compared].sort(), positions };
};

/** An endpoint's metric in every run (NaN where a run has none), written to `out`. */
export const endpointColumn = (
  columns: HistoryColumns,
  at: Int32Array,
  metric: string,
  out: Float64Array,
): Float64Array => {
  const runs = columns.runs;
  for (let k = 0; k < runs.length; k++) {
    const e = at[k] as number;
    const entry = e < 0 ? undefined : (runs[k] as RunRecord).client.endpoints?.[e];
    const value = entry === undefined ? undefined : read(entry, metric);
    out[k] = value !== undefined && Number.isFinite(value) ? value : Number.NaN;
  }
  return out;
};
