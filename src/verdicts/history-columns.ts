import type { RunRecord } from "../store/run-record.js";
import { metricReader } from "./metric-values.js";
import { type History, isFlagged, type Release, startedMsOf } from "./release-history.js";

// A service's recent history read once into columns (one typed array per field, one slot per run), which every
// metric and comparison of the service then reads instead of the run records.

/** Releases whose runs inform the fit (the newest ones: a service changes over months). */
export const MAX_RELEASES = 12;

/** What a run is for the comparisons: usable, or left out and counted as one of the others. */
export const RunKind = { usable: 0, failed: 1, flagged: 2, saturated: 3 } as const;

export interface HistoryColumns {
  history: History;
  /** The newest MAX_RELEASES releases, oldest first; the last two are the baseline and the candidate. */
  recent: readonly Release[];
  /** Their runs, release after release, each release's oldest first. */
  runs: readonly RunRecord[];
  /** Run k is of recent release i when releaseStart[i] <= k < releaseStart[i + 1]. */
  releaseStart: Int32Array;
  /** Each run's source, an index into `sources` (which are in the order they first appear). */
  source: Int32Array;
  sources: readonly string[];
  startedMs: Float64Array;
  /** RunKind: flagged runs whose flags include runner_saturated are `saturated`. */
  kind: Uint8Array;
  /** Each recent release's first run as an ISO time (every comparison's first_seen). */
  firstSeen: readonly string[];
}

/** The columns of a history's newest MAX_RELEASES releases. */
export const historyColumns = (history: History): HistoryColumns => {
  const recent = history.releases.slice(-MAX_RELEASES);
  const runs = recent.flatMap((release) => release.runs);
  const n = runs.length;
  const releaseStart = new Int32Array(recent.length + 1);
  recent.forEach((release, i) => {
    releaseStart[i + 1] = (releaseStart[i] as number) + release.runs.length;
  });
  const sourceIds = new Map<string, number>();
  const source = new Int32Array(n);
  const startedMs = new Float64Array(n);
  const kind = new Uint8Array(n);
  for (let k = 0; k < n; k++) {
    const run = runs[k] as RunRecord;
    let id = sourceIds.get(run.source);
    if (id === undefined) {
      id = sourceIds.size;
      sourceIds.set(run.source, id);
    }
    source[k] = id;
    startedMs[k] = startedMsOf(run);
    kind[k] =
      run.state === "failed"
        ? RunKind.failed
        : !isFlagged(run)
          ? RunKind.usable
          : (run.flags ?? []).includes("runner_saturated")
            ? RunKind.saturated
            : RunKind.flagged;
  }
  const firstSeen = recent.map((r) => new Date(r.firstSeenMs).toISOString());
  return {
    history,
    recent,
    runs,
    releaseStart,
    source,
    sources: [...sourceIds.keys()],
    startedMs,
    kind,
    firstSeen,
  };
};

/** A metric's value in every run of the columns (NaN where a run has none), written to `out`. */
export const metricColumn = (columns: HistoryColumns, metric: string, out: Float64Array): Float64Array => {
  const runs = columns.runs;
  const read = metricReader(metric);
  for (let k = 0; k < runs.length; k++) out[k] = read(runs[k] as RunRecord) ?? Number.NaN;
  return out;
};
