import { parseRunKey } from "../store/keys.js";
import { mapOrdered } from "../store/map-ordered.js";
import type { RunStore } from "../store/types.js";
import type { LeaseSeen } from "./claims.js";
import type { DoneIndex } from "./done-index.js";
import type { KeyedRun, RunProblem } from "./types.js";

// Finds the pending runs whose Datadog data has settled (ended at least `settleMs` ago), as one batch per
// service/env. Only the record says whether a run is pending, so every record not yet known finished
// (done-index.ts) is read, `concurrency` at a time. A batch's lease is read before its records (claims.ts
// explains why); a service/env whose unfinished runs all started after the cutoff cannot have a settled one
// (keys are ordered by start time), so its lease is not read.

/** The settled pending runs of one service/env, and its lease as it was before they were read. */
export interface Batch {
  service: string;
  env: string;
  /** Undefined when no lease was read (a dry run). */
  lease?: LeaseSeen;
  runs: KeyedRun[];
  /**
   * Runs aggregated since the done index was last saved, read while this call looked: when the batch turns out
   * to be another aggregator's, that aggregator completed them just now, and the summary counts them with it.
   */
  completedMeanwhile: number;
}

export interface SettledRuns {
  batches: Batch[];
  /** Pending runs that ended less than `settleMs` ago. */
  fresh: number;
  /** Records that could not be read (invalid JSON or schema): reported every time until repaired. */
  unreadable: RunProblem[];
}

interface Unfinished {
  key: string;
  batch: Batch;
  /** The batch's lease read, awaited before the record is read. */
  leaseRead: Promise<void>;
}

export const findSettledRuns = async (
  store: RunStore,
  done: DoneIndex,
  options: {
    nowMs: number;
    settleMs: number;
    concurrency: number;
    /** Reads a batch's lease; absent in a dry run. */
    readLease?: (service: string, env: string) => Promise<LeaseSeen>;
  },
): Promise<SettledRuns> => {
  const cutoffMs = options.nowMs - options.settleMs;
  const batches: Batch[] = [];
  async function* unfinished(): AsyncGenerator<Unfinished> {
    let current: Unfinished | undefined;
    for await (const key of store.listRunKeys()) {
      if (await done.has(key)) continue;
      const parts = parseRunKey(key);
      if (parts === undefined) continue;
      if (current?.batch.service !== parts.service || current.batch.env !== parts.env) {
        const batch: Batch = { service: parts.service, env: parts.env, runs: [], completedMeanwhile: 0 };
        batches.push(batch);
        const settledCandidate = Date.parse(parts.startedAt) <= cutoffMs;
        const leaseRead =
          settledCandidate && options.readLease
            ? options.readLease(parts.service, parts.env).then((lease) => {
                batch.lease = lease;
              })
            : Promise.resolve();
        current = { key, batch, leaseRead };
      }
      yield { ...current, key };
    }
  }
  let fresh = 0;
  const unreadable: RunProblem[] = [];
  const read = mapOrdered(unfinished(), options.concurrency, async ({ key, batch, leaseRead }) => {
    try {
      await leaseRead;
      return { key, batch, stored: await store.readRun(key) };
    } catch (error) {
      return { key, batch, stored: undefined, reason: (error as Error).message };
    }
  });
  for await (const { key, batch, stored, reason } of read) {
    if (reason !== undefined) unreadable.push({ key, reason });
    const record = stored?.record;
    if (record !== undefined && record.state !== "pending") await done.add(record);
    if (record?.state === "aggregated") batch.completedMeanwhile += 1;
    if (record?.state !== "pending" || stored === undefined) continue;
    if (Date.parse(record.ended_at) > cutoffMs) fresh += 1;
    else batch.runs.push({ key, record, etag: stored.etag });
  }
  return { batches: batches.filter((b) => b.runs.length > 0), fresh, unreadable };
};
