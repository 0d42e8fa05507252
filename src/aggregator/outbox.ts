import { DogdriverError } from "../errors.js";
import { mapOrdered } from "../store/map-ordered.js";
import type { RunRecord } from "../store/run-record.js";
import type { RunStore, WriteCondition } from "../store/types.js";
import type { OutboxEntry } from "./types.js";

// The outbox: what Datadog has not accepted yet, under _dogdriver/outbox/. A run's entry is written before
// its record says "aggregated", so nothing computed is ever only in memory; any aggregator (this one later,
// or another) sends it once Datadog accepts it. A run entry is then deleted; a release entry is emptied
// instead (another aggregator may be merging a newer verdict into it, and the store has no conditional
// delete), and an emptied entry means nothing to send.

export const OUTBOX_DIR = "outbox";

export const runEntryPath = (record: Pick<RunRecord, "id">): string => `${OUTBOX_DIR}/run/${record.id}.json`;

/** A run's start/stop events, queued by `run` (src/runner/run-events.ts). */
export const runEventsEntryPath = (record: Pick<RunRecord, "id">): string =>
  `${OUTBOX_DIR}/events/${record.id}.json`;

export const releaseEntryPath = (service: string, env: string): string =>
  `${OUTBOX_DIR}/release/${service}/${env}.json`;

export interface StoredEntry {
  path: string;
  etag: string;
  entry: OutboxEntry;
}

/** Nothing left to send: an emptied release entry. */
export const isEmptied = (entry: OutboxEntry): boolean =>
  entry.events.length === 0 &&
  (entry.seriesSent || (entry.series.length === 0 && (entry.records ?? []).length === 0));

export const readEntry = async (store: RunStore, path: string): Promise<StoredEntry | undefined> => {
  const blob = await store.readBlob(path);
  if (blob === undefined) return undefined;
  try {
    const entry = JSON.parse(blob.body) as OutboxEntry;
    if (entry.schema !== "dogdriver.outbox.v1") throw new Error(`schema is ${JSON.stringify(entry.schema)}`);
    return { path, etag: blob.etag, entry };
  } catch (error) {
    throw new DogdriverError(
      "store",
      `${store.url} _dogdriver/${path}: expected a dogdriver.outbox.v1 document (${(error as Error).message})`,
    );
  }
};

export const writeEntry = (
  store: RunStore,
  path: string,
  entry: OutboxEntry,
  condition?: WriteCondition,
): Promise<string> => store.writeBlob(path, JSON.stringify(entry), condition);

export interface OutboxSnapshot {
  entries: Map<string, StoredEntry>;
  /** Completed records queued by an aggregator that stopped before storing them, by run id. */
  records: Map<string, RunRecord>;
}

/** Every readable entry, read `concurrency` at a time; an unreadable one is a warning (recomputed, overwritten). */
export const readOutbox = async (
  store: RunStore,
  concurrency: number,
  warnings: string[],
): Promise<OutboxSnapshot> => {
  const snapshot: OutboxSnapshot = { entries: new Map(), records: new Map() };
  const read = async (path: string) => {
    try {
      return await readEntry(store, path);
    } catch (error) {
      warnings.push((error as Error).message);
      return undefined;
    }
  };
  for await (const stored of mapOrdered(await listEntries(store), concurrency, read)) {
    if (stored === undefined) continue;
    snapshot.entries.set(stored.path, stored);
    const { record, records = record ? [record] : [] } = stored.entry;
    if (stored.entry.kind === "run") for (const r of records) snapshot.records.set(r.id, r);
  }
  return snapshot;
};

export const listEntries = async (store: RunStore): Promise<string[]> => {
  const paths: string[] = [];
  for await (const path of store.listBlobs(`${OUTBOX_DIR}/`)) if (path.endsWith(".json")) paths.push(path);
  return paths;
};
