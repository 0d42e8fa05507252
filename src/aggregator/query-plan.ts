import type { ServiceConfig } from "../config/types.js";
import type { RunRecord } from "../store/run-record.js";
import type { KeyedRun, PlannedQuery } from "./types.js";

// Turns the runs to complete into as few Datadog query calls as possible. Runs whose filled-in queries are the
// same (same service and env, and same version when a query uses {version}) share calls: one
// queryTimeseries over the span of several runs, at an interval fine enough to average within each run's
// window. Spans are chunked so no call asks for more than MAX_POINTS buckets per series, the point where
// Datadog would enlarge the interval and blur short runs together (query-results.ts re-asks if it still does).

/** The wire name of the topology query in a call; configured queries are q0, q1, ... */
export const TOPOLOGY_FIELD = "topology";

/** Datadog returns at most about 1,500 points per series before it widens the interval (UNCONFIRMED); stay under. */
const MAX_POINTS = 1000;
/** Agents report every 10-15 s: finer buckets would only hold gaps. */
const MIN_INTERVAL_MS = 10_000;
/** Buckets wanted inside the shortest run of a call, so its mean is not dominated by the minutes around it. */
const BUCKETS_PER_RUN = 6;

export interface CallQuery {
  /** Wire name (q0, q1, ...): independent of the configured names, which Datadog might not accept as-is. */
  name: string;
  query: string;
  /** The configured query name (the record's server.<field>), or TOPOLOGY_FIELD. */
  field: string;
}

export interface QueryCall extends Omit<PlannedQuery, "queries"> {
  queries: CallQuery[];
}

export interface QueryPlan {
  calls: QueryCall[];
  /** Runs of services missing from the configuration: completed from client data alone. */
  unconfigured: KeyedRun[];
}

/** Fills {service}, {env} and {version} into a configured query. */
export const fillQuery = (text: string, record: Pick<RunRecord, "service" | "env" | "version">): string =>
  text
    .replaceAll("{service}", record.service)
    .replaceAll("{env}", record.env)
    .replaceAll("{version}", record.version);

const runQueries = (service: ServiceConfig, record: RunRecord): CallQuery[] => {
  const fields = Object.entries(service.queries).sort(([a], [b]) => a.localeCompare(b));
  const queries = fields.map(([field, text], i) => ({
    name: `q${i}`,
    query: fillQuery(text, record),
    field,
  }));
  if (service.topologyQuery !== undefined)
    queries.push({
      name: TOPOLOGY_FIELD,
      query: fillQuery(service.topologyQuery, record),
      field: TOPOLOGY_FIELD,
    });
  return queries;
};

const windowOf = (record: RunRecord) => ({
  startMs: Date.parse(record.started_at),
  endMs: Date.parse(record.ended_at),
});

/** BUCKETS_PER_RUN buckets in the shortest run, never below MIN_INTERVAL_MS. */
const intervalOf = (shortestMs: number): number =>
  Math.max(MIN_INTERVAL_MS, Math.floor(shortestMs / BUCKETS_PER_RUN / 1000) * 1000);

/** The span asked for, padded by one bucket each side and aligned to the interval. */
const paddedSpan = (fromMs: number, toMs: number, intervalMs: number) => ({
  fromMs: Math.floor((fromMs - intervalMs) / intervalMs) * intervalMs,
  toMs: Math.ceil((toMs + intervalMs) / intervalMs) * intervalMs,
});

/** The interval for a set of runs: BUCKETS_PER_RUN buckets in the shortest, never below MIN_INTERVAL_MS. */
export const intervalFor = (runs: readonly RunRecord[]): number =>
  intervalOf(Math.min(...runs.map((r) => windowOf(r).endMs - windowOf(r).startMs)));

/** One call covering these runs (sorted by start), padded by one bucket so edge buckets come back whole. */
export const callFor = (
  runs: readonly KeyedRun[],
  queries: CallQuery[],
  intervalMs = intervalFor(runs.map((r) => r.record)),
): QueryCall => {
  const first = runs[0]?.record as RunRecord;
  const fromMs = Math.min(...runs.map((r) => windowOf(r.record).startMs));
  const toMs = Math.max(...runs.map((r) => windowOf(r.record).endMs));
  return {
    service: first.service,
    env: first.env,
    ...paddedSpan(fromMs, toMs, intervalMs),
    intervalMs,
    queries,
    runs: runs.map((r) => r.key),
  };
};

// The span, shortest run and interval are kept as runs are added (one pass: 1,000 runs of a service/env used
// to cost ~0.3 s of CPU re-reading every window at each step).
export const chunk = (runs: KeyedRun[], queries: CallQuery[]): QueryCall[] => {
  const sorted = runs.map((run) => ({ run, ...windowOf(run.record) })).sort((a, b) => a.startMs - b.startMs);
  const calls: QueryCall[] = [];
  let current: KeyedRun[] = [];
  let span = {
    fromMs: Number.POSITIVE_INFINITY,
    toMs: Number.NEGATIVE_INFINITY,
    shortestMs: Number.POSITIVE_INFINITY,
  };
  for (const { run, startMs, endMs } of sorted) {
    const candidate = {
      fromMs: Math.min(span.fromMs, startMs),
      toMs: Math.max(span.toMs, endMs),
      shortestMs: Math.min(span.shortestMs, endMs - startMs),
    };
    const interval = intervalOf(candidate.shortestMs);
    const padded = paddedSpan(candidate.fromMs, candidate.toMs, interval);
    if (current.length > 0 && (padded.toMs - padded.fromMs) / interval > MAX_POINTS) {
      calls.push(callFor(current, queries));
      current = [run];
      span = { fromMs: startMs, toMs: endMs, shortestMs: endMs - startMs };
    } else {
      current.push(run);
      span = candidate;
    }
  }
  if (current.length > 0) calls.push(callFor(current, queries));
  return calls;
};

export const planQueries = (runs: readonly KeyedRun[], services: readonly ServiceConfig[]): QueryPlan => {
  const groups = new Map<string, { runs: KeyedRun[]; queries: CallQuery[] }>();
  const unconfigured: KeyedRun[] = [];
  for (const run of runs) {
    const service = services.find((s) => s.name === run.record.service && s.env === run.record.env);
    if (service === undefined) {
      unconfigured.push(run);
      continue;
    }
    const queries = runQueries(service, run.record);
    const groupKey = JSON.stringify([service.name, service.env, queries]);
    const group = groups.get(groupKey) ?? { runs: [], queries };
    group.runs.push(run);
    groups.set(groupKey, group);
  }
  const calls = [...groups.values()]
    .filter((g) => g.queries.length > 0)
    .flatMap((g) => chunk(g.runs, g.queries));
  return { calls, unconfigured };
};
