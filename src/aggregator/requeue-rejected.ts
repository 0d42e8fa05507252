import type { RunStore } from "../store/types.js";
import { StoreConflictError, unchangedSince } from "../store/types.js";
import { ledgerPath } from "./event-ledger.js";
import { OUTBOX_DIR, readEntry, writeEntry } from "./outbox.js";
import { REJECTED_DIR } from "./outbox-flush.js";
import { parseBlobOr } from "./parse-blob.js";
import type { LedgerBody, OutboxEntry } from "./types.js";

// `aggregate --requeue-rejected`: dogdriver 0.1.0 moved whole outbox entries to _dogdriver/rejected/ when
// Datadog answered 401/403 (a wrong key), and marked their events "rejected" in the ledger, so fixing the key
// sent nothing again. This puts every rejected entry back into the outbox and clears the ledger's "rejected"
// mark of its events; the next flush sends them (and a payload refused for good moves back, harmlessly).

const ATTEMPTS = 5;

export interface RequeueResult {
  requeued: string[];
  /** Rejected blobs that are not an outbox entry (damaged): left where they are. */
  unreadable: string[];
}

/** Merges a rejected release entry into the live one: its events join, the live (newer) verdict values win. */
const mergeRelease = (live: OutboxEntry | undefined, rejected: OutboxEntry): OutboxEntry =>
  live === undefined
    ? rejected
    : {
        ...live,
        events: [...live.events, ...rejected.events.filter((e) => !live.events.some((l) => l.id === e.id))],
      };

const putBack = async (store: RunStore, path: string, entry: OutboxEntry): Promise<void> => {
  for (let attempt = 1; ; attempt += 1) {
    const live = await readEntry(store, path);
    // A run entry is only ever written by its run's aggregation, which happened already: a live one is newer.
    if (live !== undefined && entry.kind === "run") return;
    try {
      await writeEntry(store, path, mergeRelease(live?.entry, entry), unchangedSince(live?.etag));
      return;
    } catch (error) {
      if (!(error instanceof StoreConflictError) || attempt >= ATTEMPTS) throw error;
    }
  }
};

const clearRejectedMark = async (store: RunStore, id: string): Promise<void> => {
  const blob = await store.readBlob(ledgerPath(id));
  if (blob === undefined) return;
  if (parseBlobOr<Partial<LedgerBody>>(blob.body, {}).state === "rejected")
    await store.deleteBlob(ledgerPath(id));
};

export const requeueRejected = async (store: RunStore): Promise<RequeueResult> => {
  const result: RequeueResult = { requeued: [], unreadable: [] };
  const paths: string[] = [];
  for await (const path of store.listBlobs(`${REJECTED_DIR}/${OUTBOX_DIR}/`)) paths.push(path);
  for (const path of paths) {
    const blob = await store.readBlob(path);
    if (blob === undefined) continue;
    const entry = parseBlobOr<{ entry?: OutboxEntry }>(blob.body, {}).entry;
    if (entry?.schema !== "dogdriver.outbox.v1" || !Array.isArray(entry.events)) {
      result.unreadable.push(path);
      continue;
    }
    const target = path.slice(REJECTED_DIR.length + 1);
    await putBack(store, target, entry);
    for (const { id } of entry.events) await clearRejectedMark(store, id);
    await store.deleteBlob(path);
    result.requeued.push(target);
  }
  return result;
};
