import type { Deps } from "../cli/deps.js";
import type { DatadogApi, MetricSeries } from "../datadog/types.js";
import type { RunStore } from "../store/types.js";
import { crashPoint } from "./crash-point.js";
import { datadogFailure } from "./datadog-failure.js";
import { postOnce } from "./event-ledger.js";
import { listEntries, readEntry, type StoredEntry, writeEntry } from "./outbox.js";
import { countPoints, splitByAge, stampAt } from "./stale-points.js";
import type { AggregateReport, OutboxEntry } from "./types.js";

// Sends everything in the outbox: all entries' gauges in one submitMetrics (the client splits it under the
// payload limits), then each entry's events through the ledger. An entry is deleted only once Datadog accepted
// all of it. Sending a gauge twice is harmless (same series, same second: the last write wins), so a crash
// between "accepted" and "deleted" only means the next call sends it again. What Datadog refuses for good (a
// 400) moves to _dogdriver/rejected/ so one bad entry cannot hold back all the others forever.

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
      if (stored !== undefined) entries.push(stored);
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
  await ctx.store.deleteBlob(stored.path);
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

/** True when `now` asks for nothing beyond what was just sent from `sent` (same events, same or sent gauges). */
const coveredBy = (sent: OutboxEntry, now: OutboxEntry): boolean =>
  now.events.every((e) => sent.events.some((s) => s.id === e.id)) &&
  (now.seriesSent || JSON.stringify(now.series) === JSON.stringify(sent.series));

/**
 * Deletes a finished entry, or marks its gauges sent while events remain. A lost race means another flush did it.
 * Returns false when another aggregator queued more into the entry meanwhile (a newer verdict in a release
 * entry): it stays for the next flush, whose ledger skips what this one posted.
 */
const settleEntry = async (ctx: FlushContext, stored: StoredEntry, eventsLeft: boolean): Promise<boolean> => {
  if (!eventsLeft) {
    // The store has no conditional delete: reading first narrows the race with queueReleaseUpdate from the
    // whole flush (Datadog round trips) to one store round trip.
    const current = await readEntry(ctx.store, stored.path).catch(() => null);
    if (current === null) return false;
    if (current !== undefined && current.etag !== stored.etag && !coveredBy(stored.entry, current.entry))
      return false;
    await ctx.store.deleteBlob(stored.path);
    return true;
  }
  if (stored.entry.seriesSent) return true;
  try {
    stored.etag = await writeEntry(
      ctx.store,
      stored.path,
      { ...stored.entry, seriesSent: true },
      stored.etag,
    );
    stored.entry.seriesSent = true;
  } catch {
    // Rewritten or deleted by another aggregator: its flush covers this entry.
  }
  return true;
};

/** Sends the outbox; returns how many entries still wait for Datadog. */
export const flushOutbox = async (ctx: FlushContext): Promise<number> => {
  const { entries, unreadable } = await readAll(ctx);
  if (entries.length === 0) return unreadable;
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
      // Datadog unavailable for events: the rest waits for the next call.
      await settleEntry(ctx, stored, true);
      pending += accepted.length - index;
      ctx.report.warnings.push(
        `Datadog did not accept an event (${datadogFailure(error).reason}): kept in the outbox`,
      );
      break;
    }
  }
  return pending;
};
