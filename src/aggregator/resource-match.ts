import { tagCharacters } from "../datadog/endpoint-tag.js";
import { isIdSegment } from "../runner/endpoint-template.js";

// Which APM resource is which load-test endpoint (docs/aggregator.md, "Server latency per endpoint"). A tracer names
// a resource "GET /items/?" (ddtrace's quantised path), "GET /items/{id}" (Spring), "GET /items/:id" (Express) or
// "GET /items/<int:id>" (Flask), and a grouped query answers it as a tag value, which Datadog lowercases with every
// character outside letters, digits and `_ - : . /` turned into `_` ("get_/items/_"). The load test's endpoint is
// "GET /items/{id}". Both are reduced to one key: lowercase method, one space, the path with every placeholder or
// identifier segment as {id} and no trailing slash. A name without an HTTP method and a path (a named request,
// "ItemsController#show") has no key and matches nothing.

const METHOD_AND_PATH = /^\s*([A-Za-z]+)[\s_]+(\/.*)$/;

/** A path segment (no "/") as Datadog's tag rules leave it, underscores collapsed (its agent collapses them). */
const tagForm = tagCharacters;

/** True for a route placeholder in any tracer's spelling, after tagForm: `_` (?, *), `_id_` ({id}, <int:id>), `:id`. */
const isPlaceholder = (segment: string) =>
  segment === "_" || /^_.+_$/.test(segment) || segment.startsWith(":");

const segmentKey = (raw: string): string => {
  if (isIdSegment(raw)) return "{id}";
  const s = tagForm(raw);
  return isPlaceholder(s) ? "{id}" : s;
};

/** The key an endpoint name and an APM resource name share when they name the same endpoint; undefined: none. */
export const matchKey = (name: string): string | undefined => {
  const m = METHOD_AND_PATH.exec(name);
  if (!m) return undefined;
  const [, method = "", path = ""] = m;
  const segments = path
    .trim()
    .split("/")
    .slice(1)
    .map((s) => (s === "" ? "" : segmentKey(s)));
  while (segments.length > 0 && segments[segments.length - 1] === "") segments.pop();
  return `${method.toLowerCase()} /${segments.join("/")}`;
};
