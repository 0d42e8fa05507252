import type { DatadogApi, MetricSeries } from "../datadog/types.js";
import type { Deps } from "../state/deps.js";
import { type RunStore, StoreConflictError } from "../store/types.js";
import { crashPoint } from "./crash-point.js";
import { datadogFailure, throwIfCredentials } from "./datadog-failure.js";
import { postOnce } from "./event-ledger.js";
import { isEmptied, listEntries, readEntry, type StoredEntry, writeEntry } from "./outbox.js";
import { dateReleaseEventsAtEarliest } from "./release-events.js";
import { countPoints, splitByAge, stampAt } from "./stale-points.js";
import type { AggregateReport, OutboxEntry } from "./types.js";

// Sends everything in the outbox: all entries' gauges in one submitMetrics (the client splits it under the
// payload limits), then each entry's events through the ledger. An entry is retired only once Datadog accepted
// all of it: a run entry is deleted, a release entry emptied (see retireReleaseEntry).
// Sending a gauge twice is harmless (same series, same second: the last write wins), so a crash
// between "accepted" and "retired" only means the next call sends it again. What Datadog refuses for good (a
// 400) moves to _dogdriver/rejected/ so one bad entry cannot hold back all the others forever; a refused key
// (401/403) is not the entry's fault: it is thrown with everything left in place.

export const TOO_OLD_DIR = "too-old";
export const REJECTED_DIR = "rejected";

export interface FlushContext {
  store: RunStore;
  api: DatadogApi;
  deps: Pick<Deps, "env" | "clock" | "log" | "signal">;
  owner: string;
  report: AggregateReport;
}

interface Outgoing {
  stored: StoredEntry;
  series: MetricSeries[];
}

const seriesToSend = async (
  ctx: FlushContext,
  stored: StoredEntry,
  nowMs: number,
): Promise<MetricSeries[]> => {
  const { entry } = stored;
  if (entry.seriesSent) return [];
  if (entry.kind === "release") return stampAt(entry.series, nowMs);
  const { fresh, tooOld } = splitByAge(entry.series, nowMs);
  if (tooOld.length > 0) {
    // Kept with the exact points, so they can be replayed once historical metrics ingestion is enabled.
    await ctx.store.writeBlob(
      `${TOO_OLD_DIR}/${stored.path}`,
      JSON.stringify({
        reason: "older than Datadog accepts (1 hour)",
        run: entry.record?.id,
        series: tooOld,
      }),
    );
    ctx.report.push.points_too_old += countPoints(tooOld);
    ctx.report.push.too_old_entries.push(stored.path);
  }
  return fresh;
};

const readAll = async (ctx: FlushContext): Promise<{ entries: StoredEntry[]; unreadable: number }> => {
  const entries: StoredEntry[] = [];
  let unreadable = 0;
  for (const path of await listEntries(ctx.store)) {
    try {
      const stored = await readEntry(ctx.store, path);
      // An emptied release entry (everything in it was sent) waits for the next queued verdict.
      if (stored !== undefined && !isEmptied(stored.entry)) entries.push(stored);
    } catch (error) {
      // Being rewritten by another aggregator (or damaged): left for the next call, which says so again.
      unreadable += 1;
      ctx.report.warnings.push((error as Error).message);
    }
  }
  return { entries, unreadable };
};

const reject = async (ctx: FlushContext, stored: StoredEntry, reason: string): Promise<void> => {
  await ctx.store.writeBlob(
    `${REJECTED_DIR}/${stored.path}`,
    JSON.stringify({ reason, entry: stored.entry }),
  );
  if (stored.entry.kind === "release") await retireReleaseEntry(ctx, stored);
  else await ctx.store.deleteBlob(stored.path);
  ctx.report.warnings.push(
    `Datadog refused ${stored.path} (${reason}): moved to _dogdriver/${REJECTED_DIR}/`,
  );
};

/**
 * Submits the gauges of every entry in one go. Returns the entries whose gauges Datadog accepted: all of them,
 * none (Datadog unavailable: everything stays queued), or, after a refusal, those accepted one by one.
 */
const submit = async (
  ctx: FlushContext,
  outgoing: Outgoing[],
): Promise<{ accepted: StoredEntry[]; rejected: number }> => {
  const all = outgoing.flatMap((o) => o.series);
  try {
    if (all.length > 0) ctx.report.push.points_sent += (await ctx.api.submitMetrics(all)).points;
    return { accepted: outgoing.map((o) => o.stored), rejected: 0 };
  } catch (error) {
    throwIfCredentials(error);
    const failure = datadogFailure(error);
    if (failure.transient) {
      ctx.report.warnings.push(
        `Datadog did not accept the metrics (${failure.reason}): ${outgoing.length} outbox entries kept for the next aggregate`,
      );
      return { accepted: [], rejected: 0 };
    }
  }
  const accepted: StoredEntry[] = [];
  let rejected = 0;
  for (const { stored, series } of outgoing) {
    try {
      if (series.length > 0) ctx.report.push.points_sent += (await ctx.api.submitMetrics(series)).points;
      accepted.push(stored);
    } catch (error) {
      throwIfCredentials(error);
      const failure = datadogFailure(error);
      if (failure.transient) break;
      await reject(ctx, stored, failure.reason);
      rejected += 1;
    }
  }
  return { accepted, rejected };
};

/** Posts the entry's events; true when one is still being posted by another aggregator. */
const sendEvents = async (ctx: FlushContext, stored: StoredEntry): Promise<boolean> => {
  let left = false;
  for (const { id, event } of stored.entry.events) {
    const result = await postOnce(ctx, id, event);
    if (result === "posted") ctx.report.push.events_posted.push(event.title);
    if (result === "too_old") ctx.report.push.events_too_old.push(event.title);
    if (result === "rejected")
      ctx.report.warnings.push(`Datadog refused the event "${event.title}": not posted`);
    if (result === "busy") left = true;
  }
  return left;
};

/** Whether two series lists hold the same values (a release entry rewritten with the same verdict values). */
const sameSeries = (a: readonly MetricSeries[], b: readonly MetricSeries[]): boolean =>
  JSON.stringify(a) === JSON.stringify(b);

/**
 * What is left of `now` once everything in `sent` was sent (or refused for good): the events not in `sent`,
 * and the gauges unless they are the ones just sent.
 */
const remainderOf = (sent: OutboxEntry, now: OutboxEntry): OutboxEntry => {
  const sentIds = new Set(sent.events.map((e) => e.id));
  const seriesSent = now.seriesSent || now.series.length === 0 || sameSeries(now.series, sent.series);
  return {
    ...now,
    series: seriesSent ? [] : now.series,
    seriesSent,
    events: now.events.filter((e) => !sentIds.has(e.id)),
  };
};

const SETTLE_ATTEMPTS = 5;

/**
 * Retires a release entry whose content was sent (or refused for good). The store has no conditional delete,
 * and another aggregator's queueReleaseUpdate may merge a newer verdict into the same entry at any moment, so
 * the entry is never deleted: it is rewritten, only if still at the version read, with what is left (usually
 * nothing: an emptied entry, which flushes skip). A lost race re-reads and settles against the newer version,
 * so a verdict queued before the rewrite stays in the remainder and one queued after merges into the emptied
 * entry. Returns true when nothing is left.
 */
const retireReleaseEntry = async (ctx: FlushContext, stored: StoredEntry): Promise<boolean> => {
  let current: StoredEntry | undefined = stored;
  for (let attempt = 0; attempt < SETTLE_ATTEMPTS && current !== undefined; attempt += 1) {
    const rest = remainderOf(stored.entry, current.entry);
    try {
      await writeEntry(ctx.store, stored.path, rest, { ifMatch: current.etag });
      return isEmptied(rest);
    } catch (error) {
      if (!(error instanceof StoreConflictError)) throw error;
    }
    try {
      current = await readEntry(ctx.store, stored.path);
    } catch {
      return false; // unreadable right now: left whole for the next flush
    }
  }
  // Removed meanwhile (nothing to keep), or still contended: left whole for the next flush, whose ledger
  // skips what this one posted.
  return current === undefined;
};

/**
 * Retires a finished entry, or marks its gauges sent while events remain. A run entry is only ever written by
 * the aggregator completing its run, so it is deleted; a release entry is emptied (retireReleaseEntry).
 * Returns false when something is left in it for the next flush.
 */
const settleEntry = async (ctx: FlushContext, stored: StoredEntry, eventsLeft: boolean): Promise<boolean> => {
  if (!eventsLeft) {
    if (stored.entry.kind === "release") return retireReleaseEntry(ctx, stored);
    await ctx.store.deleteBlob(stored.path);
    return true;
  }
  if (stored.entry.seriesSent) return true;
  try {
    stored.etag = await writeEntry(
      ctx.store,
      stored.path,
      { ...stored.entry, seriesSent: true },
      { ifMatch: stored.etag },
    );
    stored.entry.seriesSent = true;
  } catch {
    // Rewritten or deleted by another aggregator: its gauges are sent again by the next flush (harmless).
  }
  return true;
};

/** Sends the outbox; returns how many entries still wait for Datadog. */
export const flushOutbox = async (ctx: FlushContext): Promise<number> => {
  const { entries, unreadable } = await readAll(ctx);
  if (entries.length === 0) return unreadable;
  dateReleaseEventsAtEarliest(entries.map((stored) => stored.entry));
  const nowMs = ctx.deps.clock.now();
  const outgoing = await Promise.all(
    entries.map(async (stored) => ({ stored, series: await seriesToSend(ctx, stored, nowMs) })),
  );
  const { accepted, rejected } = await submit(ctx, outgoing);
  if (accepted.length > 0) crashPoint(ctx.deps, "series-submitted");

  let pending = unreadable + entries.length - accepted.length - rejected;
  for (const [index, stored] of accepted.entries()) {
    if (ctx.deps.signal.aborted) {
      pending += accepted.length - index;
      break;
    }
    try {
      const eventsLeft = await sendEvents(ctx, stored);
      const settled = await settleEntry(ctx, stored, eventsLeft);
      if (eventsLeft || !settled) pending += 1;
    } catch (error) {
      // Datadog unavailable for events (or refusing the key): the rest waits for the next call.
      await settleEntry(ctx, stored, true);
      throwIfCredentials(error);
      pending += accepted.length - index;
      ctx.report.warnings.push(
        `Datadog did not accept an event (${datadogFailure(error).reason}): kept in the outbox`,
      );
      break;
    }
  }
  return pending;
};
