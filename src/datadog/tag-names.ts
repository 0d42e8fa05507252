// The tags dogdriver puts on what it sends to Datadog, in one place: the series and event builders use them, and
// the dashboard and monitors query them.

/**
 * Where a run was measured from. Datadog reserves `source` (it names the integration of a log or an event), so the
 * tag is `location`, as Datadog's own synthetic tests name theirs. The configuration key and the run record's field
 * keep the name `source`.
 */
export const LOCATION_TAG_KEY = "location";
export const locationTag = (source: string): string => `${LOCATION_TAG_KEY}:${source}`;

/** The bare tag on every dogdriver event (docs/contract.md). */
export const EVENT_TAG = "dogdriver";
/** Which dogdriver event it is, so an overlay or a search picks releases and verdicts without the run events. */
export const EVENT_KIND_TAG_KEY = "dogdriver_event";
export const EVENT_KINDS = ["run_start", "run_end", "release", "verdict"] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

/** `dogdriver`, `dogdriver_event:<kind>`, then the event's own tags. */
export const eventTags = (kind: EventKind, tags: readonly string[]): string[] => [
  EVENT_TAG,
  `${EVENT_KIND_TAG_KEY}:${kind}`,
  ...tags,
];
