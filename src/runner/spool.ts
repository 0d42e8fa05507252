import { randomUUID } from "node:crypto";
import { readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "../state/deps.js";
import { makeDir } from "../store/make-dir.js";
import { type RunRecord, runRecordSchema } from "../store/run-record.js";
import type { RunStore } from "../store/types.js";

// Records a run could not write to its store wait here, one JSON file each, and are delivered at the start of
// the next `run` that uses the same store. A record leaves the spool only after the store accepted it (putRun
// is idempotent, so a delivery cut short is simply repeated).

interface SpoolEntry {
  store: string;
  record: RunRecord;
}

const fileName = (record: RunRecord) => `${record.id}.json`;

/** Keeps a record for later delivery; written to a temporary name and renamed, so no half file is ever read. */
export const spoolRecord = async (spoolDir: string, storeUrl: string, record: RunRecord): Promise<string> => {
  await makeDir(spoolDir);
  const path = join(spoolDir, fileName(record));
  const temporary = join(spoolDir, `.${randomUUID()}.tmp`);
  await writeFile(temporary, `${JSON.stringify({ store: storeUrl, record } satisfies SpoolEntry)}\n`, {
    mode: 0o600,
  });
  await rename(temporary, path);
  return path;
};

/**
 * Delivers every spooled record meant for `store`, calling `onDelivered` for each the store took as new (the
 * run's events are queued then); returns how many were delivered and how many remain.
 */
export const deliverSpool = async (
  spoolDir: string,
  store: RunStore,
  log: Logger,
  onDelivered?: (record: RunRecord) => Promise<void>,
): Promise<{ delivered: number; remaining: number }> => {
  let names: string[];
  try {
    names = (await readdir(spoolDir)).filter((n) => n.endsWith(".json")).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { delivered: 0, remaining: 0 };
    throw error;
  }
  let delivered = 0;
  let remaining = 0;
  for (const name of names) {
    const path = join(spoolDir, name);
    let entry: SpoolEntry;
    try {
      const raw = JSON.parse(await readFile(path, "utf8")) as SpoolEntry;
      entry = { store: String(raw.store), record: runRecordSchema.parse(raw.record) };
    } catch (error) {
      log.warn(
        `${path}: not a spooled run record, left in place (${(error as Error).message.split("\n")[0]})`,
      );
      remaining += 1;
      continue;
    }
    if (entry.store !== store.url) {
      log.warn(
        `${path}: run ${entry.record.id} waits for store ${entry.store}, not ${store.url}; left in the spool`,
      );
      remaining += 1;
      continue;
    }
    try {
      // Only a record the store did not hold queues its events: one delivered before (this delivery cut short
      // before the spool file went) queued them then, and they may already be posted and their entry deleted.
      if ((await store.putRun(entry.record)) === "created") await onDelivered?.(entry.record);
    } catch (error) {
      log.warn(
        `store ${store.url} still unreachable (${(error as Error).message}): ${names.length - delivered} spooled run(s) wait in ${spoolDir}`,
      );
      return { delivered, remaining: names.length - delivered };
    }
    await rm(path, { force: true });
    delivered += 1;
    log.info(
      `delivered spooled run ${entry.record.service}/${entry.record.env} ${entry.record.started_at} (${entry.record.id}) to ${store.url}`,
    );
  }
  return { delivered, remaining };
};
