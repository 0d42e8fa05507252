import type { MetricFilter } from "../config/metric-filter.js";
import { pushedSeries } from "../datadog/metric-filter.js";
import type { MetricSeries } from "../datadog/types.js";
import type { RunRecord } from "../store/run-record.js";
import { type RunStore, StoreConflictError, unchangedSince } from "../store/types.js";
import { compareReleases } from "../verdicts/compare-releases.js";
import {
  type ReleaseVerdict,
  releaseSeries,
  releaseVerdicts,
  verdictIdentity,
} from "../verdicts/release-series.js";
import type { CompareOptions, Comparison } from "../verdicts/types.js";
import { verdictEvent } from "../verdicts/verdict-event.js";
import { eventId } from "./event-ledger.js";
import { readEntry, releaseEntryPath, writeEntry } from "./outbox.js";
import type { OutboxEvent } from "./types.js";

// After runs of a service/env were completed, its release verdicts are recomputed from all its finished runs and
// queued: the dogdriver.release.* values (replacing any older unsent ones) and a verdict event for each
// release whose overall verdict differs from the last one queued (_dogdriver/verdicts/<identity>.json).

/** _dogdriver/dirty/<service>/<env>.json: runs were completed here and its verdicts are not queued yet. */
export const dirtyPath = (service: string, env: string): string => `dirty/${service}/${env}.json`;

interface VerdictState {
  verdict: string;
  /** How many verdict changes were queued for this identity: part of each event's id. */
  seq: number;
}

interface StateWrite {
  path: string;
  etag?: string;
  state: VerdictState;
}

export interface ReleaseUpdate {
  series: MetricSeries[];
  events: OutboxEvent[];
  states: StateWrite[];
}

/**
 * Computes what to queue for one service/env from its finished runs (reads verdict states only); `links` names
 * the provisioned dashboard that verdict events link to, `metrics` the series the configuration lets through.
 */
export const computeReleaseUpdate = async (
  store: RunStore,
  runs: readonly RunRecord[],
  links: { dashboardUrl?: string },
  metrics: MetricFilter,
  options: CompareOptions = {},
): Promise<ReleaseUpdate> => {
  const comparisons = compareReleases(runs, options);
  return releaseUpdateOf(store, comparisons, releaseVerdicts(comparisons), links, metrics);
};

/**
 * What to queue for some comparisons and the release verdicts they make (aggregate's, or a verify's own
 * decision): their dogdriver.release.* series that the `metrics` filter lets through, and a verdict event for
 * each release whose verdict differs from the last one queued.
 */
export const releaseUpdateOf = async (
  store: RunStore,
  comparisons: readonly Comparison[],
  verdicts: readonly ReleaseVerdict[],
  links: { dashboardUrl?: string },
  metrics: MetricFilter,
): Promise<ReleaseUpdate> => {
  const update: ReleaseUpdate = {
    series: pushedSeries(releaseSeries(comparisons), metrics),
    events: [],
    states: [],
  };
  for (const release of verdicts) {
    const identity = verdictIdentity(release);
    const path = `verdicts/${eventId("verdict-state", identity)}.json`;
    const blob = await store.readBlob(path);
    const last = blob === undefined ? undefined : (JSON.parse(blob.body) as VerdictState);
    if (last?.verdict === release.verdict) continue;
    const state = { verdict: release.verdict, seq: (last?.seq ?? 0) + 1 };
    update.events.push({
      id: eventId("verdict", identity, String(state.seq)),
      event: verdictEvent(release, links),
    });
    update.states.push({ path, ...(blob ? { etag: blob.etag } : {}), state });
  }
  return update;
};

const QUEUE_ATTEMPTS = 5;

/**
 * Queues an update: the outbox entry first (merging events still waiting there), then the verdict states. A
 * crash in between recomputes the same event ids next time, and the ledger keeps each posted once.
 */
export const queueReleaseUpdate = async (
  store: RunStore,
  service: string,
  env: string,
  update: ReleaseUpdate,
  nowMs: number,
): Promise<void> => {
  const path = releaseEntryPath(service, env);
  // Conditional, so two aggregators queueing at once (or a flush emptying the entry) cannot overwrite each
  // other's events: the loser re-reads and merges into what won.
  for (let attempt = 1; ; attempt += 1) {
    const previous = await readEntry(store, path);
    const events = [...(previous?.entry.events ?? [])];
    for (const e of update.events) if (!events.some((p) => p.id === e.id)) events.push(e);
    try {
      await writeEntry(
        store,
        path,
        {
          schema: "dogdriver.outbox.v1",
          kind: "release",
          createdAtMs: nowMs,
          series: update.series,
          seriesSent: false,
          events,
        },
        unchangedSince(previous?.etag),
      );
      break;
    } catch (error) {
      if (!(error instanceof StoreConflictError) || attempt >= QUEUE_ATTEMPTS) throw error;
    }
  }
  for (const { path: statePath, etag, state } of update.states) {
    try {
      await store.writeBlob(statePath, JSON.stringify(state), unchangedSince(etag));
    } catch (error) {
      // Another aggregator queued the same change at the same time: its event id is the same one.
      if (!(error instanceof StoreConflictError)) throw error;
    }
  }
};
