import type { StoredEvent } from "./types.js";

// The event search of a dashboard overlay (`events[].q` of a timeseries widget), as far as dogdriver uses it:
// space-separated terms that must all hold (Datadog's default operator is AND); `tags:key:value` and `key:value`
// both match an event tag; `$name.value` is the template variable's current value, and `*` matches anything.
// Tags compare case-insensitively, as Datadog stores them lowercased.

const substitute = (term: string, variables: Record<string, string>): string =>
  term.replace(/\$([a-z_][a-z0-9_]*)\.value/gi, (_, name: string) => variables[name] ?? "*");

const matchesTerm = (event: StoredEvent, term: string): boolean => {
  const tag = (term.startsWith("tags:") ? term.slice("tags:".length) : term).toLowerCase();
  const [key, value] = tag.split(/:(.*)/s);
  if (value === "*") return event.tags.some((t) => t.toLowerCase().startsWith(`${key}:`));
  return event.tags.some((t) => t.toLowerCase() === tag);
};

/** True when `event` is one that the overlay search `query` draws, with these template variable values. */
export const matchesEventSearch = (
  event: StoredEvent,
  query: string,
  variables: Record<string, string> = {},
): boolean =>
  query
    .trim()
    .split(/\s+/)
    .map((term) => substitute(term, variables))
    .every((term) => matchesTerm(event, term));
