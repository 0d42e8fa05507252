import { isValidName } from "../config/names.js";
import { DogdriverError } from "../errors.js";
import type { Logger } from "../state/deps.js";
import {
  BLOBS_DIR,
  checkBlobPath,
  checkBlobPrefix,
  checkName,
  checkRunKey,
  keyTime,
  parseRunKey,
  RUNS_DIR,
  runKey,
  runPrefix,
} from "./keys.js";
import { checkRecord, decodeRecord, encodeRecord, sameRecord } from "./record-codec.js";
import type { RunRecord } from "./run-record.js";
import {
  type Blob,
  type ListRunsOptions,
  type ObjectBackend,
  type PutResult,
  type RunFilter,
  type RunStore,
  StoreConflictError,
  unchangedSince,
  type WriteCondition,
} from "./types.js";

// A record is rewritten under a compare-and-swap; this many lost races in a row means something is looping.
const MAX_PUT_ATTEMPTS = 5;

/** The RunStore both backends share: key layout, validation, idempotent writes and batched reads. */
export const createRunStore = (backend: ObjectBackend, log: Pick<Logger, "warn">): RunStore => {
  const blobKey = (path: string) => `${BLOBS_DIR}/${checkBlobPath(path)}`;

  // Two different runs must never share a key. Keys are case-sensitive, but a file store on a case-insensitive
  // file system (macOS) maps ids "abc" and "ABC" to one file: refuse instead of overwriting.
  const checkSameRun = (existing: RunRecord, record: RunRecord, key: string) => {
    if (
      existing.id !== record.id ||
      existing.service !== record.service ||
      existing.env !== record.env ||
      keyTime(existing.started_at) !== keyTime(record.started_at)
    ) {
      throw new DogdriverError(
        "store",
        `${backend.describe(key)}: already holds run ${existing.id} (${existing.service}/${existing.env}), not ${record.id}`,
      );
    }
  };

  const putRun = async (input: RunRecord, options: { ifMatch?: string } = {}): Promise<PutResult> => {
    const record = checkRecord(input, `run ${String((input as { id?: unknown })?.id)}`);
    const key = runKey(record);
    const body = encodeRecord(record);
    // The aggregator read the record moments ago: one PUT instead of a GET and a PUT per completed run.
    if (options.ifMatch) {
      try {
        await backend.put(key, body, { ifMatch: options.ifMatch });
        return "updated";
      } catch (error) {
        if (!(error instanceof StoreConflictError)) throw error;
      }
    }
    for (let attempt = 1; ; attempt++) {
      const current = await backend.get(key);
      let existing: RunRecord | undefined;
      if (current) {
        try {
          existing = decodeRecord(current.body, backend.describe(key));
        } catch {
          existing = undefined; // an unreadable object at a valid key: the new record repairs it
        }
        if (existing && sameRecord(existing, record)) return "unchanged";
        if (existing) checkSameRun(existing, record, key);
        // A run never goes back to pending once aggregated or failed (the aggregator's done index relies on it): a
        // pending copy (an old export imported again, a spooled record delivered twice) leaves the finished one be.
        if (existing && existing.state !== "pending" && record.state === "pending") return "kept";
      }
      try {
        await backend.put(key, body, unchangedSince(current?.etag));
        return current ? "updated" : "created";
      } catch (error) {
        if (!(error instanceof StoreConflictError) || attempt >= MAX_PUT_ATTEMPTS) throw error;
      }
    }
  };

  const readRun = async (key: string): Promise<{ record: RunRecord; etag: string } | undefined> => {
    checkRunKey(key);
    const blob = await backend.get(key);
    return blob && { record: decodeRecord(blob.body, backend.describe(key)), etag: blob.etag };
  };

  async function* keyPagesUnder(prefix: string): AsyncGenerator<string[]> {
    for await (const page of backend.listPages(prefix)) {
      const keys = page.filter((key) => parseRunKey(key) !== undefined);
      if (keys.length > 0) yield keys;
    }
  }

  async function* runKeyPages(filter: RunFilter): AsyncGenerator<string[]> {
    if (filter.env !== undefined && filter.service === undefined) {
      const env = checkName("env", filter.env);
      for await (const service of backend.children(`${RUNS_DIR}/`)) {
        if (isValidName(service)) yield* keyPagesUnder(`${RUNS_DIR}/${service}/${env}/`);
      }
      return;
    }
    yield* keyPagesUnder(runPrefix(filter));
  }

  async function* listRunKeys(filter: RunFilter = {}): AsyncGenerator<string> {
    // yield* of an array would add an await per key (async-from-sync iteration)
    for await (const page of runKeyPages(filter)) for (const key of page) yield key;
  }

  // Pages of keys in, batches of bodies out: per record there is a parse and a validation, no promise.
  async function* listRuns(filter: RunFilter = {}, options: ListRunsOptions = {}): AsyncGenerator<RunRecord> {
    const onInvalid =
      options.onInvalid ?? ((key: string, problem: string) => log.warn(`skipped ${key}: ${problem}`));
    for await (const batch of backend.readBodies(runKeyPages(filter))) {
      for (const { key, body } of batch) {
        if (body === undefined) continue; // deleted since it was listed
        let record: RunRecord;
        try {
          record = decodeRecord(body, backend.describe(key));
        } catch (error) {
          onInvalid(key, (error as Error).message);
          continue;
        }
        yield record;
      }
    }
  }

  // async, so a bad path rejects the promise like every other store failure instead of throwing at the call
  const readBlob = async (path: string): Promise<Blob | undefined> => backend.get(blobKey(path));

  const writeBlob = async (path: string, body: string, condition?: WriteCondition): Promise<string> => {
    try {
      return await backend.put(blobKey(path), body, condition);
    } catch (error) {
      throw error instanceof StoreConflictError ? new StoreConflictError(path) : error;
    }
  };

  async function* listBlobs(prefix: string): AsyncGenerator<string> {
    const start = BLOBS_DIR.length + 1;
    for await (const page of backend.listPages(`${BLOBS_DIR}/${checkBlobPrefix(prefix)}`))
      for (const key of page) yield key.slice(start);
  }

  return {
    url: backend.url,
    putRun,
    getRun: async (key) => (await readRun(key))?.record,
    readRun,
    listRunKeys,
    listRuns,
    readBlob,
    writeBlob,
    deleteBlob: async (path) => backend.delete(blobKey(path)),
    deleteBlobs: async (paths) => backend.deleteMany(paths.map(blobKey)),
    listBlobs,
    ...(backend.sweepLitter ? { sweepLitter: backend.sweepLitter } : {}),
    close: () => backend.close(),
  };
};
