import { MAX_EVENT_AGE_MS } from "../config/defaults.js";
import type { DatadogEvent } from "../datadog/types.js";
import { claimBatch, readLease, releaseClaim } from "./claims.js";
import { crashPoint } from "./crash-point.js";
import { datadogFailure, throwIfCredentials } from "./datadog-failure.js";
import type { FlushContext } from "./flush-context.js";
import { type StoredEntry, writeEntry } from "./outbox.js";

// The start/stop events `run` queues (outbox/events/<run id>.json, src/runner/run-events.ts), posted with few
// store requests: the event ledger's two writes per event (six requests a run with the entry's read and delete)
// would triple what aggregating a run costs on S3. Instead one lease (leases/_outbox/run-events.json, the same
// optimistic lease as a service/env batch) lets one aggregator at a time post them, and an entry is deleted once
// its events are posted: the delete is the ledger. Deletes go a round of entries at a time (one DeleteObjects),
// so a crash between posting and the delete posts that round's events again on the next call, under the same
// aggregation keys (Datadog groups each pair as one); nothing is lost. A record the spool delivers again after
// its entry was deleted queues no events (deliverSpool: only a record the store did not hold).

/** Entries whose events are posted before their one delete: the most a crash can make post twice. */
export const RUN_EVENT_ROUND = 8;

/** The lease of the run events: a name no service/env lease can take (service names start with a letter). */
const LEASE = ["_outbox", "run-events"] as const;

type Posted = "posted" | "too_old" | "rejected";

const post = async (ctx: FlushContext, event: DatadogEvent, nowMs: number): Promise<Posted> => {
  if (event.timestampMs !== undefined && event.timestampMs < nowMs - MAX_EVENT_AGE_MS) {
    ctx.report.push.events_too_old.push(event.title);
    return "too_old";
  }
  try {
    await ctx.api.postEvent(event);
  } catch (error) {
    throwIfCredentials(error);
    // Refused for good (a 400: nothing will change on retry): said once, never tried again.
    if (datadogFailure(error).transient) throw error;
    ctx.report.warnings.push(`Datadog refused the event "${event.title}": not posted`);
    return "rejected";
  }
  ctx.report.push.events_posted.push(event.title);
  return "posted";
};

/**
 * Posts the run events of `entries` and deletes each entry once its events are posted; returns how many entries
 * still wait (Datadog unavailable, interrupted). Those another aggregator is posting (it holds the lease) are
 * counted in the report's outbox_elsewhere.
 */
export const flushRunEvents = async (ctx: FlushContext, entries: StoredEntry[]): Promise<number> => {
  if (entries.length === 0) return 0;
  const { store, owner } = ctx;
  const seen = await readLease(store, ...LEASE, owner, ctx.deps.clock.now());
  const claim = await claimBatch(store, seen, owner, ctx.deps.clock.now());
  if (claim === undefined) {
    ctx.report.push.outbox_elsewhere += entries.length; // another aggregator is posting them
    return 0;
  }
  let index = 0;
  try {
    for (; index < entries.length; index += RUN_EVENT_ROUND) {
      if (ctx.deps.signal.aborted) break;
      const round = entries.slice(index, index + RUN_EVENT_ROUND);
      const done: string[] = [];
      try {
        for (const stored of round) {
          const events = stored.entry.events;
          for (const [i, { event }] of events.entries()) {
            try {
              await post(ctx, event, ctx.deps.clock.now());
            } catch (error) {
              // Keep only what is left of this entry, so its posted events are not posted again.
              if (i > 0)
                await writeEntry(
                  store,
                  stored.path,
                  { ...stored.entry, events: events.slice(i) },
                  { ifMatch: stored.etag },
                ).catch(() => undefined); // rewritten meanwhile: its events go out again (same keys)
              throw error;
            }
            crashPoint(ctx.deps, "run-event-posted");
          }
          done.push(stored.path);
        }
      } catch (error) {
        await store.deleteBlobs(done);
        throwIfCredentials(error);
        ctx.report.warnings.push(
          `Datadog did not accept a run event (${datadogFailure(error).reason}): kept in the outbox`,
        );
        return entries.length - index - done.length;
      }
      await store.deleteBlobs(done);
    }
  } finally {
    await releaseClaim(store, claim, ctx.deps.clock.now());
  }
  return entries.length - Math.min(index, entries.length);
};
