import { eventTags } from "../datadog/tag-names.js";
import type { RunRecord } from "../store/run-record.js";
import { eventId } from "./event-ledger.js";
import type { OutboxEntry, OutboxEvent } from "./types.js";

// The release event (docs/contract.md): posted once when a version of a service/env is first seen. Its identity is
// the service, env and version, so every run of that version queues the same event and the ledger keeps one.
// Its time is that of the earliest run of the release, not of whichever run's entry is flushed first (entries
// go out in run-id order, and an import or a backfill completes runs older than those already completed).

export const releaseEventId = (record: Pick<RunRecord, "service" | "env" | "version">): string =>
  eventId("release", record.service, record.env, record.version);

/** The release event dated at `first`, the earliest known run of its release. */
export const releaseEvent = (first: RunRecord): OutboxEvent => {
  const id = releaseEventId(first);
  return {
    id,
    event: {
      title: `${first.service} ${first.env}: release ${first.version} first seen`,
      text: `dogdriver load-tested ${first.service} (${first.env}) at version ${first.version} for the first time, from ${first.source} at ${first.started_at}.`,
      tags: eventTags("release", [
        `service:${first.service}`,
        `env:${first.env}`,
        `version:${first.version}`,
        ...(first.team === undefined ? [] : [`team:${first.team}`]),
      ]),
      aggregationKey: `dogdriver-release-${id}`,
      alertType: "info",
      timestampMs: Date.parse(first.started_at),
    },
  };
};

const isEarlier = (a: RunRecord, b: RunRecord): boolean =>
  a.started_at === b.started_at ? a.id < b.id : Date.parse(a.started_at) < Date.parse(b.started_at);

/** The earliest run of each release among `records`, by release event id. */
export const firstRuns = (records: Iterable<RunRecord>): Map<string, RunRecord> => {
  const first = new Map<string, RunRecord>();
  for (const record of records) {
    const id = releaseEventId(record);
    const known = first.get(id);
    if (known === undefined || isEarlier(record, known)) first.set(id, record);
  }
  return first;
};

/**
 * Gives every copy of a release event in `entries` the earliest of their times (and that copy's text), so the
 * one the ledger lets through is dated at the first run whichever entry carries it.
 */
export const dateReleaseEventsAtEarliest = (entries: readonly OutboxEntry[]): void => {
  const earliest = new Map<string, OutboxEvent>();
  for (const { events } of entries)
    for (const e of events) {
      const known = earliest.get(e.id);
      if (e.event.aggregationKey !== `dogdriver-release-${e.id}`) continue;
      if (known === undefined || (e.event.timestampMs ?? Infinity) < (known.event.timestampMs ?? Infinity))
        earliest.set(e.id, e);
    }
  for (const entry of entries) entry.events = entry.events.map((e) => earliest.get(e.id) ?? e);
};
