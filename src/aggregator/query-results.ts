import type { DatadogApi, TimeseriesResult } from "../datadog/types.js";
import { datadogFailure, throwIfCredentials } from "./datadog-failure.js";
import { callFor, type QueryCall, TOPOLOGY_FIELD } from "./query-plan.js";
import type { KeyedRun } from "./types.js";
import { effectiveIntervalMs, windowStats } from "./window-stats.js";

// Runs the planned query calls and reduces their answers to each run's `server` values. A value Datadog has no
// data for is null with a note, never 0. When Datadog is unavailable or rate limits, the remaining calls are
// not made (they would fail the same way after their retries) and their runs stay pending for a later call.
// A refused key (401/403) is thrown: no run may be completed without the server values a right key would give.

export interface ServerValues {
  server: Record<string, number | null>;
  notes: Record<string, string>;
  topologyChanged: boolean;
}

export interface QueryOutcome {
  values: Map<string, ServerValues>;
  /** Run key -> why it stays pending. */
  deferred: Map<string, string>;
}

const iso = (ms: number) => new Date(ms).toISOString();

const reduce = (
  run: KeyedRun,
  call: QueryCall,
  result: TimeseriesResult,
): { values: ServerValues; coarse: boolean } => {
  const startMs = Date.parse(run.record.started_at);
  const endMs = Date.parse(run.record.ended_at);
  const values: ServerValues = { server: {}, notes: {}, topologyChanged: false };
  let coarse = false;
  for (const query of call.queries) {
    const buckets = result.series
      .filter((s) => s.name === query.name)
      .map((s) => {
        const intervalMs = effectiveIntervalMs(s.timesMs) ?? call.intervalMs;
        // Datadog widened the interval past half the run: the mean would mostly be the minutes around it.
        if (intervalMs > call.intervalMs && intervalMs * 2 > endMs - startMs) coarse = true;
        return { timesMs: s.timesMs, values: s.values, intervalMs };
      });
    const stats = windowStats(buckets, startMs, endMs);
    const noData = `no data from Datadog between ${iso(startMs)} and ${iso(endMs)}`;
    if (query.field === TOPOLOGY_FIELD) {
      values.server.topology_min = stats.min;
      values.server.topology_max = stats.max;
      if (stats.min === null) values.notes.topology_min = values.notes.topology_max = noData;
      else values.topologyChanged = stats.min !== stats.max;
    } else {
      values.server[query.field] = stats.mean;
      if (stats.mean === null) values.notes[query.field] = noData;
    }
  }
  return { values, coarse };
};

/**
 * A rejected query (a typo in the config) must not hide the others: each is asked alone, once. Returns what
 * came back and the reason per rejected field; a transient failure is thrown as it is.
 */
const oneByOne = async (
  api: DatadogApi,
  call: QueryCall,
  reason: string,
): Promise<{ result: TimeseriesResult; rejected: Map<string, string> }> => {
  const series: TimeseriesResult["series"] = [];
  const rejected = new Map<string, string>();
  if (call.queries.length === 1) {
    rejected.set(call.queries[0]?.field ?? "", `Datadog rejected the query: ${reason}`);
    return { result: { series }, rejected };
  }
  for (const query of call.queries) {
    try {
      const one = await api.queryTimeseries(
        call.fromMs,
        call.toMs,
        [{ name: query.name, query: query.query }],
        call.intervalMs,
      );
      series.push(...one.series);
    } catch (error) {
      const failure = datadogFailure(error);
      if (failure.transient) throw error;
      rejected.set(query.field, `Datadog rejected the query: ${failure.reason}`);
    }
  }
  return { result: { series }, rejected };
};

export const runQueryCalls = async (
  api: DatadogApi,
  calls: readonly QueryCall[],
  runs: ReadonlyMap<string, KeyedRun>,
  signal: AbortSignal,
): Promise<QueryOutcome> => {
  const outcome: QueryOutcome = { values: new Map(), deferred: new Map() };
  let stopReason: string | undefined;

  const defer = (call: QueryCall, reason: string) => {
    stopReason ??= reason;
    for (const key of call.runs) outcome.deferred.set(key, reason);
  };

  const ask = async (call: QueryCall) => {
    const plain = call.queries.map(({ name, query }) => ({ name, query }));
    try {
      return {
        result: await api.queryTimeseries(call.fromMs, call.toMs, plain, call.intervalMs),
        rejected: new Map<string, string>(),
      };
    } catch (error) {
      const failure = datadogFailure(error);
      if (failure.transient) throw error;
      return oneByOne(api, call, failure.reason);
    }
  };

  const execute = async (call: QueryCall, mayRefine: boolean): Promise<void> => {
    if (signal.aborted) stopReason ??= "interrupted";
    if (stopReason !== undefined) return defer(call, stopReason);
    let fetched: Awaited<ReturnType<typeof ask>>;
    try {
      fetched = await ask(call);
    } catch (error) {
      throwIfCredentials(error); // a refused key stops the whole aggregate (server-values.ts)
      return defer(call, `Datadog query failed: ${datadogFailure(error).reason}`);
    }
    for (const key of call.runs) {
      const run = runs.get(key);
      if (run === undefined) continue;
      const { values, coarse } = reduce(run, call, fetched.result);
      if (coarse && mayRefine && call.runs.length > 1) {
        await execute(callFor([run], call.queries), false);
        continue;
      }
      for (const [field, note] of fetched.rejected) {
        if (field === TOPOLOGY_FIELD) values.notes.topology_min = values.notes.topology_max = note;
        else values.notes[field] = note;
      }
      outcome.values.set(key, values);
    }
  };

  for (const call of calls) await execute(call, true);
  return outcome;
};
