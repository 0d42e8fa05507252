import { mapOrdered } from "../store/map-ordered.js";
import type { RunStore } from "../store/types.js";
import type { DoneIndex } from "./done-index.js";
import type { KeyedRun, RunProblem } from "./types.js";

async function* unfinishedKeys(store: RunStore, done: DoneIndex): AsyncGenerator<string> {
  for await (const key of store.listRunKeys()) if (!(await done.has(key))) yield key;
}

// Finds the pending runs whose Datadog data has settled: ended at least `settleMs` ago. Only the record says
// whether a run is pending, so every record not yet known finished (done-index.ts) is read, in parallel.

const READ_CONCURRENCY = 16;

export interface SettledRuns {
  settled: KeyedRun[];
  /** Pending runs that ended less than `settleMs` ago. */
  fresh: number;
  /** Records that could not be read (invalid JSON or schema): reported every time until repaired. */
  unreadable: RunProblem[];
}

export const findSettledRuns = async (
  store: RunStore,
  done: DoneIndex,
  nowMs: number,
  settleMs: number,
): Promise<SettledRuns> => {
  const cutoffMs = nowMs - settleMs;
  let fresh = 0;
  const settled: KeyedRun[] = [];
  const unreadable: RunProblem[] = [];
  const read = mapOrdered(unfinishedKeys(store, done), READ_CONCURRENCY, async (key) => {
    try {
      return { key, record: await store.getRun(key) };
    } catch (error) {
      return { key, record: undefined, reason: (error as Error).message };
    }
  });
  for await (const { key, record, reason } of read) {
    if (reason !== undefined) unreadable.push({ key, reason });
    if (record !== undefined && record.state !== "pending") await done.add(record);
    if (record?.state !== "pending") continue;
    if (Date.parse(record.ended_at) > cutoffMs) fresh += 1;
    else settled.push({ key, record });
  }
  return { settled, fresh, unreadable };
};
