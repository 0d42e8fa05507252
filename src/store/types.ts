import type { RunRecord } from "./run-record.js";

// The run store: records under runs/<service>/<env>/<started_at>_<id>.json, and dogdriver's own files
// (claims, outbox, state, spool) under _dogdriver/. Backends: file:// (file-store.ts) and s3:// (s3-store.ts).

export interface RunFilter {
  service?: string;
  env?: string;
}

/** A stored object and the tag that identifies this version of it (for conditional writes). */
export interface Blob {
  body: string;
  etag: string;
}

/** Write only if the object does not exist yet, or only if it is still at this version. */
export type WriteCondition = { ifNoneMatch: "*" } | { ifMatch: string };

export type PutResult = "created" | "updated" | "unchanged";

export interface RunStore {
  /** The store URL for messages (never holds credentials). */
  readonly url: string;
  /** Writes a record atomically (readers see the old or the new document, never half of one). */
  putRun(record: RunRecord): Promise<PutResult>;
  getRun(key: string): Promise<RunRecord | undefined>;
  /** Keys of stored records, optionally for one service/env, in key order. Scales to 100,000+ records. */
  listRunKeys(filter?: RunFilter): AsyncIterable<string>;
  /** Every stored record, optionally for one service/env (reads in parallel; order by key). */
  listRuns(filter?: RunFilter): AsyncIterable<RunRecord>;

  /** dogdriver's own files, by path relative to <root>/_dogdriver/. */
  readBlob(path: string): Promise<Blob | undefined>;
  /** Throws StoreConflictError when `condition` does not hold. Returns the new etag. */
  writeBlob(path: string, body: string, condition?: WriteCondition): Promise<string>;
  deleteBlob(path: string): Promise<void>;
  listBlobs(prefix: string): AsyncIterable<string>;
}

/** A conditional write lost: somebody else created or changed the object first. */
export class StoreConflictError extends Error {
  constructor(readonly path: string) {
    super(`${path}: changed by another writer`);
    this.name = "StoreConflictError";
  }
}
