import { RUN_FLAGS, type RunRecord } from "../store/run-record.js";

// Runs grouped into releases of one service/env/test, ordered by when each version was first seen.
// Versions may be git hashes or dates: their strings say nothing about order, the runs' times do.

export interface Release {
  version: string;
  firstSeenMs: number;
  /** Every run of this version, oldest first (flagged and failed ones too: they are counted). */
  runs: RunRecord[];
}

export interface History {
  service: string;
  env: string;
  test: string;
  /** Oldest first; the last one is the candidate. */
  releases: Release[];
}

const EXCLUDING_FLAGS: ReadonlySet<string> = new Set(RUN_FLAGS);

/** A run that enters comparisons: not failed, and not flagged (RUN_FLAGS: topology, version or runner). */
export const isUsable = (run: RunRecord): boolean => run.state !== "failed" && !isFlagged(run);

export const isFlagged = (run: RunRecord): boolean => (run.flags ?? []).some((f) => EXCLUDING_FLAGS.has(f));

// A run's start, parsed once: the release order, the sort within a release and every metric's samples need it.
const startTimes = new WeakMap<RunRecord, number>();

/** Date.parse(run.started_at), cached per record. */
export const startedMsOf = (run: RunRecord): number => {
  let ms = startTimes.get(run);
  if (ms === undefined) {
    ms = Date.parse(run.started_at);
    startTimes.set(run, ms);
  }
  return ms;
};

/**
 * Histories by service/env/test, in the store's key order (serviceEnvOrder, then test); releases by first seen
 * (ties by version, for a stable order).
 */
export const releaseHistories = (runs: readonly RunRecord[]): History[] => {
  const byKey = new Map<
    string,
    { service: string; env: string; test: string; byVersion: Map<string, Release> }
  >();
  for (const run of runs) {
    const key = `${run.service}\u0000${run.env}\u0000${run.test}`;
    let h = byKey.get(key);
    if (h === undefined) {
      h = { service: run.service, env: run.env, test: run.test, byVersion: new Map() };
      byKey.set(key, h);
    }
    const startedMs = startedMsOf(run);
    const release = h.byVersion.get(run.version);
    if (release === undefined)
      h.byVersion.set(run.version, { version: run.version, firstSeenMs: startedMs, runs: [run] });
    else {
      release.runs.push(run);
      if (startedMs < release.firstSeenMs) release.firstSeenMs = startedMs;
    }
  }
  const histories = [...byKey.values()].map(({ service, env, test, byVersion }) => {
    const releases = [...byVersion.values()].sort(
      (a, b) => a.firstSeenMs - b.firstSeenMs || (a.version < b.version ? -1 : a.version > b.version ? 1 : 0),
    );
    for (const r of releases) sortByStart(r.runs);
    return { service, env, test, releases };
  });
  return histories.sort((a, b) => serviceEnvOrder(a, b) || cmp(a.test, b.test));
};

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Sorts runs by start, oldest first, stably; most stores list them in that order already. */
const sortByStart = (runs: RunRecord[]): void => {
  let sorted = true;
  for (let i = 1; i < runs.length && sorted; i++)
    sorted = startedMsOf(runs[i - 1] as RunRecord) <= startedMsOf(runs[i] as RunRecord);
  if (!sorted) runs.sort((a, b) => startedMsOf(a) - startedMsOf(b));
};

/**
 * The order of service/envs in reports: the store's key order (runs/<service>/<env>/...), so that `report` can
 * judge one service/env at a time as the store lists them. It is name order but for a name that is the start
 * of another followed by "-" or "." ("a-b" and "a.b" come before "a", as "a-b/" sorts before "a/").
 */
export const serviceEnvOrder = (
  a: { service: string; env: string },
  b: { service: string; env: string },
): number => cmp(`${a.service}/`, `${b.service}/`) || cmp(`${a.env}/`, `${b.env}/`);
