import { parseRunKey, runKey } from "../store/keys.js";
import type { RunRecord } from "../store/run-record.js";
import { type RunStore, StoreConflictError, unchangedSince } from "../store/types.js";
import { parseBlobOr } from "./parse-blob.js";

// Only a record says whether its run is pending, and the verdicts need every finished record of a service/env:
// reading 100,000 records on every call would cost 100,000 GETs each time on S3. A run never goes back to
// pending once aggregated or failed, so the aggregator remembers finished runs, per service/env, in two blobs:
//   index/done/<service>/<env>.json     their keys: read on every call, so only new and pending runs are read;
//   index/history/<service>/<env>.json  their records: read only when that service/env's verdicts are redone.
// The two are written separately and either write can lose a race; when they disagree, the history is rebuilt
// from the records. Re-importing a finished run as pending under the same key is the one change this misses
// (docs/aggregator.md).

export const donePath = (service: string, env: string): string => `index/done/${service}/${env}.json`;
export const historyPath = (service: string, env: string): string => `index/history/${service}/${env}.json`;

interface Stored<T> {
  etag?: string;
  value: T;
  changed: boolean;
}

export interface DoneIndex {
  has(key: string): Promise<boolean>;
  add(record: RunRecord): Promise<void>;
  /** Every finished record of a service/env, from the history blob (or the records, when it is out of step). */
  history(service: string, env: string): Promise<RunRecord[]>;
  /** Writes what changed; a blob another aggregator rewrote meanwhile is left for the next call. */
  save(): Promise<void>;
}

export const doneIndex = (store: RunStore): DoneIndex => {
  const keys = new Map<string, Promise<Stored<Set<string>>>>();
  const histories = new Map<string, Promise<Stored<Map<string, RunRecord>>>>();

  const load = <T>(cache: Map<string, Promise<Stored<T>>>, path: string, decode: (body?: string) => T) => {
    let entry = cache.get(path);
    if (entry === undefined) {
      entry = store.readBlob(path).then((blob) => ({
        ...(blob ? { etag: blob.etag } : {}),
        value: decode(blob?.body),
        changed: false,
      }));
      cache.set(path, entry);
    }
    return entry;
  };
  const keysOf = (service: string, env: string) =>
    load(
      keys,
      donePath(service, env),
      (body) => new Set(body ? parseBlobOr(body, { keys: [] as string[] }).keys : []),
    );
  const historyOf = (service: string, env: string) =>
    load(histories, historyPath(service, env), (body) => {
      const records = body ? parseBlobOr(body, { records: [] as RunRecord[] }).records : [];
      return new Map(records.map((r) => [runKey(r), r]));
    });

  const save = async <T>(cache: Map<string, Promise<Stored<T>>>, encode: (value: T) => string) => {
    for (const [path, pending] of cache) {
      const entry = await pending;
      if (!entry.changed) continue;
      try {
        entry.etag = await store.writeBlob(path, encode(entry.value), unchangedSince(entry.etag));
        entry.changed = false;
      } catch (error) {
        if (!(error instanceof StoreConflictError)) throw error;
      }
    }
  };

  return {
    has: async (key) => {
      const parts = parseRunKey(key);
      return parts !== undefined && (await keysOf(parts.service, parts.env)).value.has(key);
    },
    add: async (record) => {
      const key = runKey(record);
      const done = await keysOf(record.service, record.env);
      if (!done.value.has(key)) {
        done.value.add(key);
        done.changed = true;
      }
      const history = await historyOf(record.service, record.env);
      history.value.set(key, record);
      history.changed = true;
    },
    history: async (service, env) => {
      const done = await keysOf(service, env);
      const history = await historyOf(service, env);
      const inStep =
        history.value.size === done.value.size && [...done.value].every((k) => history.value.has(k));
      if (!inStep) {
        history.value.clear();
        done.value.clear();
        for await (const record of store.listRuns({ service, env })) {
          if (record.state === "pending") continue;
          const key = runKey(record);
          history.value.set(key, record);
          done.value.add(key);
        }
        history.changed = done.changed = true;
      }
      return [...history.value.values()];
    },
    save: async () => {
      await save(keys, (value) => JSON.stringify({ keys: [...value].sort() }));
      await save(histories, (value) => JSON.stringify({ records: [...value.values()] }));
    },
  };
};
