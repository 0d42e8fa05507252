import { DogdriverError } from "../errors.js";
import type { RunRecord } from "../store/run-record.js";
import type { RunStore } from "../store/types.js";
import type { OutboxEntry } from "./types.js";

// The outbox: what Datadog has not accepted yet, under _dogdriver/outbox/. A run's entry is written before
// its record says "aggregated", so nothing computed is ever only in memory; any aggregator (this one later,
// or another) sends it and deletes it once Datadog accepted everything in it.

export const OUTBOX_DIR = "outbox";

export const runEntryPath = (record: Pick<RunRecord, "id">): string => `${OUTBOX_DIR}/run/${record.id}.json`;

export const releaseEntryPath = (service: string, env: string): string =>
  `${OUTBOX_DIR}/release/${service}/${env}.json`;

export interface StoredEntry {
  path: string;
  etag: string;
  entry: OutboxEntry;
}

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
  ifMatch?: string,
): Promise<string> =>
  store.writeBlob(path, JSON.stringify(entry), ifMatch === undefined ? undefined : { ifMatch });

export const listEntries = async (store: RunStore): Promise<string[]> => {
  const paths: string[] = [];
  for await (const path of store.listBlobs(`${OUTBOX_DIR}/`)) if (path.endsWith(".json")) paths.push(path);
  return paths;
};
