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

/** "Still as I read it": at this etag, or still absent when the read found nothing. */
export const unchangedSince = (etag: string | undefined): WriteCondition =>
  etag === undefined ? { ifNoneMatch: "*" } : { ifMatch: etag };

/** "kept": the store already holds the run aggregated or failed and the record is pending, so nothing was written. */
export type PutResult = "created" | "updated" | "unchanged" | "kept";

export interface RunStore {
  /** The store URL for messages (never holds credentials). */
  readonly url: string;
  /**
   * Writes a record atomically (readers see the old or the new document, never half of one). With `ifMatch` (the
   * etag the caller read) the record is written in one request while it is still that version; if it changed,
   * the write goes the usual way (read, compare, write).
   */
  putRun(record: RunRecord, options?: { ifMatch?: string }): Promise<PutResult>;
  getRun(key: string): Promise<RunRecord | undefined>;
  /** A record with its etag, for a later putRun(…, { ifMatch }). */
  readRun(key: string): Promise<{ record: RunRecord; etag: string } | undefined>;
  /** Keys of stored records, optionally for one service/env, in key order. Scales to 100,000+ records. */
  listRunKeys(filter?: RunFilter): AsyncIterable<string>;
  /**
   * Every stored record, optionally for one service/env, in key order (100,000 from a local file store in about
   * 2 s; one GET per record on S3). A stored object that is not a valid record is skipped: reported to
   * `onInvalid` when given, else logged as a warning.
   */
  listRuns(filter?: RunFilter, options?: ListRunsOptions): AsyncIterable<RunRecord>;

  /** dogdriver's own files, by path relative to <root>/_dogdriver/. */
  readBlob(path: string): Promise<Blob | undefined>;
  /** Throws StoreConflictError when `condition` does not hold. Returns the new etag. */
  writeBlob(path: string, body: string, condition?: WriteCondition): Promise<string>;
  deleteBlob(path: string): Promise<void>;
  /** Deletes many of them at once (S3: one DeleteObjects request per 1,000); an absent one is no error. */
  deleteBlobs(paths: readonly string[]): Promise<void>;
  listBlobs(prefix: string): AsyncIterable<string>;

  /**
   * Removes what killed writers left behind (file store: temporary files and lock directories) older than
   * `olderThanMs`; returns how many. Absent where a backend leaves none (S3 writes are atomic, without locks).
   */
  sweepLitter?(olderThanMs: number): Promise<number>;
  /** Releases connections (S3); the store is unusable afterwards. */
  close?(): void;
}

export interface ListRunsOptions {
  onInvalid?: (key: string, problem: string) => void;
}

/**
 * The few object operations both backends provide; store.ts builds the RunStore on top of them. Keys are
 * relative to the store root and already validated (keys.ts).
 */
export interface ObjectBackend {
  /** file:///abs/dir or s3://bucket/prefix, for messages. */
  readonly url: string;
  /** Where an object lives, for messages: "/abs/dir/runs/..." or "s3://bucket/prefix/runs/...". */
  describe(key: string): string;
  get(key: string): Promise<Blob | undefined>;
  /** Atomic; throws StoreConflictError(key) when `condition` does not hold. Returns the new etag. */
  put(key: string, body: string, condition?: WriteCondition): Promise<string>;
  delete(key: string): Promise<void>;
  /** Many deletes, each atomic on its own (S3's DeleteObjects); absent keys are no error. */
  deleteMany(keys: readonly string[]): Promise<void>;
  /**
   * Every key starting with `prefix`, at any depth, in byte order, a page at a time (one directory, one
   * ListObjectsV2 page): listing 100,000 keys one promise per key costs more than reading the directories.
   */
  listPages(prefix: string): AsyncIterable<string[]>;
  /**
   * The bodies of the keys in `pages`, in order, a batch at a time; undefined for an object deleted since it was
   * listed. No etags: listRuns reads every record and writes none back. Throws when an object cannot be read.
   */
  readBodies(pages: AsyncIterable<string[]>): AsyncIterable<StoredBody[]>;
  /** The names one level below `prefix` (which ends with "/") that hold objects, in byte order of "name/". */
  children(prefix: string): AsyncIterable<string>;
  /** See RunStore.sweepLitter. */
  sweepLitter?(olderThanMs: number): Promise<number>;
  close(): void;
}

export interface StoredBody {
  key: string;
  body: string | undefined;
}

/** A conditional write lost: somebody else created or changed the object first. */
export class StoreConflictError extends Error {
  constructor(readonly path: string) {
    super(`${path}: changed by another writer`);
    this.name = "StoreConflictError";
  }
}
