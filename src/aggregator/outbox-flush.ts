import type { MetricFilter } from "../config/metric-filter.js";
import { pushedSeries } from "../datadog/metric-filter.js";
import type { MetricSeries } from "../datadog/types.js";
import { mapOrdered } from "../store/map-ordered.js";
import type { RunRecord } from "../store/run-record.js";
import { StoreConflictError } from "../store/types.js";
import { crashPoint } from "./crash-point.js";
import { datadogFailure, throwIfCredentials } from "./datadog-failure.js";
import { postOnce } from "./event-ledger.js";
import type { FlushContext } from "./flush-context.js";
import { isEmptied, listEntries, readEntry, runEntryPath, type StoredEntry, writeEntry } from "./outbox.js";
import { dateReleaseEventsAtEarliest } from "./release-events.js";
import { flushRunEvents } from "./run-event-flush.js";
import { runSeries } from "./run-series.js";
import { countPoints, splitByAge, stampAt } from "./stale-points.js";
import type { OutboxEntry } from "./types.js";

// Sends everything in the outbox: all entries' gauges in one submitMetrics (the client splits it under the
// payload limits), then each entry's events through the ledger. An entry is retired only once Datadog accepted
// all of it: a run entry is deleted, a release entry emptied (see retireReleaseEntry).
// Sending a gauge twice is harmless (same series, same second: the last write wins), so a crash
// between "accepted" and "retired" only means the next call sends it again. What Datadog refuses for good (a
// 400) moves to _dogdriver/rejected/ so one bad entry cannot hold back all the others forever; a refused key
// (401/403) is not the entry's fault: it is thrown with everything left in place.

export const TOO_OLD_DIR = "too-old";
export const REJECTED_DIR = "rejected";

/** What one outbox entry sends: a batch entry sends a unit per run (named outbox/run/<id>.json in messages). */
interface Unit {
  stored: StoredEntry;
  label: string;
  series: MetricSeries[];
}

interface Part {
  label: string;
  run?: string;
  series: MetricSeries[];
}

/** The gauges of one run of a batch entry, as the configured metric filter lets them out. */
export const batchRunSeries = (record: RunRecord, metrics: MetricFilter | undefined): MetricSeries[] =>
  metrics === undefined ? runSeries(record) : pushedSeries(runSeries(record), metrics);

const partsOf = (stored: StoredEntry, metrics: MetricFilter | undefined): Part[] => {
  const { entry } = stored;
  if (entry.records !== undefined)
    return entry.records.map((r) => ({
      label: runEntryPath(r),
      run: r.id,
      series: batchRunSeries(r, metrics),
    }));
  return [{ label: stored.path, ...(entry.record ? { run: entry.record.id } : {}), series: entry.series }];
};

/** The units of an entry, with their gauges as they go out now (too-old points kept aside). */
const unitsOf = async (ctx: FlushContext, stored: StoredEntry, nowMs: number): Promise<Unit[]> => {
  const { entry } = stored;
  if (entry.seriesSent) return [{ stored, label: stored.path, series: [] }];
  if (entry.kind === "release") return [{ stored, label: stored.path, series: stampAt(entry.series, nowMs) }];
  return Promise.all(
    partsOf(stored, ctx.metrics).map(async ({ label, run, series }) => {
      const { fresh, tooOld } = splitByAge(series, nowMs);
      if (tooOld.length > 0) {
        // Kept with the exact points, so they can be replayed once historical metrics ingestion is enabled.
        await ctx.store.writeBlob(
          `${TOO_OLD_DIR}/${label}`,
          JSON.stringify({ reason: "older than Datadog accepts (1 hour)", run, series: tooOld }),
        );
        ctx.report.push.points_too_old += countPoints(tooOld);
        ctx.report.push.too_old_entries.push(label);
      }
      return { stored, label, series: fresh };
    }),
  );
};

/**
 * The outbox as listed now; entries this call already holds (read at its start or written by it) are not read
 * again: a copy that another aggregator changed since is caught by the conditional writes that retire it.
 */
const readAll = async (ctx: FlushContext): Promise<{ entries: StoredEntry[]; unreadable: number }> => {
  const entries: StoredEntry[] = [];
  let unreadable = 0;
  const paths = await listEntries(ctx.store);
  const read = mapOrdered(
    paths,
    ctx.concurrency ?? 1,
    async (path): Promise<{ stored?: StoredEntry; error?: Error }> => {
      try {
        return { stored: ctx.known?.get(path) ?? (await readEntry(ctx.store, path)) };
      } catch (error) {
        return { error: error as Error };
      }
    },
  );
  for await (const outcome of read) {
    if (outcome.error) {
      // Being rewritten by another aggregator (or damaged): left for the next call, which says so again.
      unreadable += 1;
      ctx.report.warnings.push(outcome.error.message);
    } else if (outcome.stored !== undefined && !isEmptied(outcome.stored.entry)) {
      // An emptied release entry (everything in it was sent) waits for the next queued verdict.
      entries.push(outcome.stored);
    }
  }
  return { entries, unreadable };
};

/** Moves what Datadog refused for good aside, under the unit's name. */
const reject = async (ctx: FlushContext, unit: Unit, reason: string): Promise<void> => {
  const { stored } = unit;
  const whole = stored.entry.records === undefined;
  await ctx.store.writeBlob(
    `${REJECTED_DIR}/${unit.label}`,
    JSON.stringify(whole ? { reason, entry: stored.entry } : { reason, series: unit.series }),
  );
  ctx.report.warnings.push(`Datadog refused ${unit.label} (${reason}): moved to _dogdriver/${REJECTED_DIR}/`);
};

/**
 * Submits the gauges of every unit in one go. Returns the entries whose gauges Datadog accepted: all of them,
 * none (Datadog unavailable: everything stays queued), or, after a refusal, those whose units were each accepted
 * or refused for good, one by one; `refused` are the entries of which every unit was refused (moved aside).
 */
const submit = async (
  ctx: FlushContext,
  entries: StoredEntry[],
  units: Unit[],
): Promise<{ accepted: StoredEntry[]; refused: StoredEntry[] }> => {
  const all = units.flatMap((u) => u.series);
  try {
    if (all.length > 0) ctx.report.push.points_sent += (await ctx.api.submitMetrics(all)).points;
    return { accepted: entries, refused: [] };
  } catch (error) {
    throwIfCredentials(error);
    const failure = datadogFailure(error);
    if (failure.transient) {
      ctx.report.warnings.push(
        `Datadog did not accept the metrics (${failure.reason}): ${entries.length} outbox entries kept for the next aggregate`,
      );
      return { accepted: [], refused: [] };
    }
  }
  const unsent = new Set<StoredEntry>();
  const refusedUnits = new Map<StoredEntry, number>();
  for (const unit of units) {
    if (unsent.size > 0) {
      unsent.add(unit.stored); // Datadog became unavailable: the rest waits for the next call
      continue;
    }
    try {
      if (unit.series.length > 0)
        ctx.report.push.points_sent += (await ctx.api.submitMetrics(unit.series)).points;
    } catch (error) {
      throwIfCredentials(error);
      const failure = datadogFailure(error);
      if (failure.transient) unsent.add(unit.stored);
      else {
        await reject(ctx, unit, failure.reason);
        refusedUnits.set(unit.stored, (refusedUnits.get(unit.stored) ?? 0) + 1);
      }
    }
  }
  const unitCount = (stored: StoredEntry) => units.filter((u) => u.stored === stored).length;
  const refused = entries.filter((e) => !unsent.has(e) && refusedUnits.get(e) === unitCount(e));
  for (const stored of refused) {
    if (stored.entry.kind === "release") await retireReleaseEntry(ctx, stored);
    else await ctx.store.deleteBlob(stored.path);
  }
  return { accepted: entries.filter((e) => !unsent.has(e) && !refused.includes(e)), refused };
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
  const all = await readAll(ctx);
  const runEvents = all.entries.filter((stored) => stored.entry.kind === "events");
  const entries = all.entries.filter((stored) => stored.entry.kind !== "events");
  const pending = await flushEntries(ctx, entries, all.unreadable);
  return pending + (await flushRunEvents(ctx, runEvents));
};

/** Sends the gauges of `entries` in one go, then their events through the ledger; returns how many wait. */
const flushEntries = async (
  ctx: FlushContext,
  entries: StoredEntry[],
  unreadable: number,
): Promise<number> => {
  if (entries.length === 0) return unreadable;
  dateReleaseEventsAtEarliest(entries.map((stored) => stored.entry));
  const nowMs = ctx.deps.clock.now();
  const units = (await Promise.all(entries.map((stored) => unitsOf(ctx, stored, nowMs)))).flat();
  const { accepted, refused } = await submit(ctx, entries, units);
  if (accepted.length > 0) crashPoint(ctx.deps, "series-submitted");

  let pending = unreadable + entries.length - accepted.length - refused.length;
  for (const [index, stored] of accepted.entries()) {
    if (ctx.deps.signal.aborted) {
      pending += accepted.length - index;
      break;
    }
    try {
      const eventsLeft = await sendEvents(ctx, stored);
      const settled = await settleEntry(ctx, stored, eventsLeft);
      // An event another aggregator is posting is not waiting for a later call.
      if (eventsLeft) ctx.report.push.outbox_elsewhere += 1;
      else if (!settled) pending += 1;
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
