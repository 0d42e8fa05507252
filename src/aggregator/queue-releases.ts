import { mapOrdered } from "../store/map-ordered.js";
import { verdictOptions } from "../verdicts/verdict-options.js";
import type { AggregateInput } from "./aggregate.js";
import type { DoneIndex } from "./done-index.js";
import { releaseEntryPath, type StoredEntry } from "./outbox.js";
import { computeReleaseUpdate, dirtyPath, queueReleaseUpdate } from "./release-update.js";
import type { AggregateReport } from "./types.js";
import { verdictLinks } from "./verdict-links.js";

// The last step of an aggregate before the flush: the release verdicts of every service/env whose runs were
// completed now, or marked dirty by an earlier call that stopped before queueing them, recomputed from all their
// finished runs and queued in the outbox (release-update.ts); in a dry run, listed in the report instead.

/**
 * Queues the release updates of the service/envs `touched` and of those marked dirty; `known` (the outbox as read)
 * forgets each entry rewritten, so that the flush reads it again.
 */
export const queueReleases = async (
  input: AggregateInput,
  report: AggregateReport,
  touched: Set<string>,
  done: DoneIndex,
  known: Map<string, StoredEntry>,
  concurrency: number,
): Promise<void> => {
  const { store, deps, dryRun } = input;
  const dirty = new Set(touched);
  const links = await verdictLinks(input.store, input.api, input.deps.log);
  for await (const path of store.listBlobs("dirty/")) {
    const [, service, env] = path.replace(/\.json$/, "").split("/");
    if (service && env) dirty.add(`${service}/${env}`);
  }
  const options = verdictOptions(input.config);
  const queue = async (serviceEnv: string) => {
    const [service = "", env = ""] = serviceEnv.split("/");
    try {
      const update = await computeReleaseUpdate(
        store,
        await done.history(service, env),
        links,
        input.config.metrics,
        options,
      );
      report.verdicts_judged.push(serviceEnv);
      if (dryRun) {
        report.planned?.series.push(...update.series);
        report.planned?.events.push(...update.events.map((e) => e.event));
        return;
      }
      await queueReleaseUpdate(store, service, env, update, deps.clock.now());
      known.delete(releaseEntryPath(service, env)); // rewritten: the flush reads it again
      await store.deleteBlob(dirtyPath(service, env));
    } catch (error) {
      report.warnings.push(
        `release verdicts of ${serviceEnv} not queued (${error instanceof Error ? error.message : String(error)}): retried next time`,
      );
    }
  };
  for await (const _ of mapOrdered(dirty, concurrency, queue));
  report.verdicts_judged.sort();
};
