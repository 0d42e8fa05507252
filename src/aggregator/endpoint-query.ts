import type { ServiceConfig } from "../config/types.js";
import type { DatadogApi, TimeseriesResult } from "../datadog/types.js";
import type { RunRecord } from "../store/run-record.js";
import { firstFew } from "../text/first-few.js";
import { safeText } from "../text/safe-text.js";
import { datadogFailure, throwIfCredentials } from "./datadog-failure.js";
import { chunk, fillQuery, type QueryCall } from "./query-plan.js";
import { matchKey } from "./resource-match.js";
import type { KeyedRun } from "./types.js";
import { effectiveIntervalMs, windowStats } from "./window-stats.js";

// The server's latency per endpoint (docs/aggregator.md, "Server latency per endpoint"): for a service with
// `endpoint_query`, one query grouped by APM resource over the span of its pending runs (the same batching as the
// service's own queries, query-plan.ts), each group's time-weighted mean over each run's window, joined to the
// run's endpoints by resource-match.ts. Its own call, apart from the service's queries: a service with thousands
// of resources makes a large answer, and a refused or failed grouped query must not hold back the values a
// verdict needs. So any failure but a refused key or Ctrl-C completes the runs without it, the reason in
// server_notes.endpoint_query; the next runs ask again.

/** The wire name of the grouped query in its call, and the server_notes key of its reason. */
export const ENDPOINT_FIELD = "endpoint_query";

/** Groups read from one answer: Datadog's own limits keep real answers far under it; an answer cannot grow it. */
const MAX_GROUPS = 2000;

/** The named endpoints of a record (not "other"), which the query can match. */
const namedEndpoints = (record: RunRecord) => (record.client.endpoints ?? []).filter((e) => !e.other);

/** One call per batch of runs of a service with `endpoint_query` and endpoints to match. */
export const planEndpointCalls = (
  runs: readonly KeyedRun[],
  services: readonly ServiceConfig[],
): QueryCall[] => {
  const groups = new Map<string, { runs: KeyedRun[]; query: string }>();
  for (const run of runs) {
    const service = services.find((s) => s.name === run.record.service && s.env === run.record.env);
    if (service?.endpointQuery === undefined || namedEndpoints(run.record).length === 0) continue;
    const query = fillQuery(service.endpointQuery, run.record);
    const key = JSON.stringify([service.name, service.env, query]);
    const group = groups.get(key) ?? { runs: [], query };
    group.runs.push(run);
    groups.set(key, group);
  }
  return [...groups.values()].flatMap((g) =>
    chunk(g.runs, [{ name: ENDPOINT_FIELD, query: g.query, field: ENDPOINT_FIELD }]),
  );
};

/** A run's server latency per endpoint name (ms), or why there is none. */
export interface EndpointServerValues {
  latencyMs: Map<string, number>;
  note?: string;
}

/** The resource a series is for: the value of its (single) group tag, "resource_name:get_/items/_" -> "get_/items/_". */
const resourceOf = (groupTags: readonly string[]): string | undefined => {
  const tag = groupTags[0];
  if (tag === undefined) return undefined;
  const colon = tag.indexOf(":");
  return colon === -1 ? tag : tag.slice(colon + 1);
};

const iso = (ms: number) => new Date(ms).toISOString();

/** Resource names from Datadog for a note: the first few, each cut and in safe characters, and how many more. */
const someResources = (names: readonly string[]): string => {
  const { few, more } = firstFew(names);
  const shown = few.map((n) => safeText(n, 80)).join(", ");
  return more === 0 ? shown : `${shown} and ${more} more`;
};

/** One group of the answer: its resource, the key it joins on, and its points with their interval. */
interface ResourceSeries {
  resource: string;
  key: string | undefined;
  points: { timesMs: number[]; values: (number | null)[]; intervalMs: number };
}

/** The answer's groups, read once per call (each run of the call then takes its window of them). */
const resourceSeries = (call: QueryCall, result: TimeseriesResult): ResourceSeries[] =>
  result.series.slice(0, MAX_GROUPS).flatMap((s) => {
    const resource = resourceOf(s.groupTags);
    if (resource === undefined) return [];
    const intervalMs = effectiveIntervalMs(s.timesMs) ?? call.intervalMs;
    return [
      { resource, key: matchKey(resource), points: { timesMs: s.timesMs, values: s.values, intervalMs } },
    ];
  });

/** Joins one run's endpoints with the answer's groups. */
const reduceEndpoints = (run: KeyedRun, groups: readonly ResourceSeries[]): EndpointServerValues => {
  const startMs = Date.parse(run.record.started_at);
  const endMs = Date.parse(run.record.ended_at);
  // key -> the mean of each resource folding to it; two resources on one key are ambiguous and join nothing.
  const byKey = new Map<string, number[]>();
  const seen: string[] = [];
  for (const { resource, key, points } of groups) {
    const { mean } = windowStats([points], startMs, endMs);
    if (mean === null || mean < 0) continue;
    seen.push(resource);
    if (key !== undefined) byKey.set(key, [...(byKey.get(key) ?? []), mean]);
  }
  const latencyMs = new Map<string, number>();
  for (const endpoint of namedEndpoints(run.record)) {
    const key = matchKey(endpoint.name);
    const means = key === undefined ? undefined : byKey.get(key);
    if (means?.length === 1 && means[0] !== undefined) latencyMs.set(endpoint.name, means[0]);
  }
  if (latencyMs.size > 0) return { latencyMs };
  const note =
    seen.length === 0
      ? `no data from Datadog between ${iso(startMs)} and ${iso(endMs)}`
      : `no APM resource matched the load test's endpoints; resources with data: ${someResources(seen)}`;
  return { latencyMs, note };
};

/**
 * Runs the endpoint calls; returns each run's values. A refused key is thrown (server-values.ts leaves every run as it
 * was); Ctrl-C leaves the remaining runs without values (they complete with the note); any other failure is a note.
 */
export const runEndpointCalls = async (
  api: DatadogApi,
  calls: readonly QueryCall[],
  runs: ReadonlyMap<string, KeyedRun>,
  signal: AbortSignal,
): Promise<Map<string, EndpointServerValues>> => {
  const values = new Map<string, EndpointServerValues>();
  for (const call of calls) {
    let note: string | undefined;
    let result: TimeseriesResult | undefined;
    if (signal.aborted) note = "not asked: interrupted";
    else
      try {
        result = await api.queryTimeseries(
          call.fromMs,
          call.toMs,
          call.queries.map(({ name, query }) => ({ name, query })),
          call.intervalMs,
        );
      } catch (error) {
        throwIfCredentials(error);
        const failure = datadogFailure(error);
        note = `${failure.transient ? "Datadog query failed" : "Datadog rejected the query"}: ${failure.reason}`;
      }
    const groups = result === undefined ? undefined : resourceSeries(call, result);
    for (const key of call.runs) {
      const run = runs.get(key);
      if (run === undefined) continue;
      values.set(
        key,
        groups === undefined ? { latencyMs: new Map(), note: note ?? "" } : reduceEndpoints(run, groups),
      );
    }
  }
  return values;
};
