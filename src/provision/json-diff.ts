import type { Json } from "../dashboards/types.js";

// What differs between what dogdriver wants and what Datadog holds. Only what dogdriver sets counts: fields
// Datadog adds (ids, authors, defaults such as notify_audit or widget ids) are not differences, so a second
// `provision` finds nothing to do. Arrays must match item by item.

const show = (value: unknown): string => {
  const text = value === undefined ? "(missing)" : JSON.stringify(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
};

// Two long strings are shown from a little before where they start to differ (queries, notes).
const showPair = (actual: unknown, wanted: unknown): string => {
  if (
    typeof actual !== "string" ||
    typeof wanted !== "string" ||
    Math.max(actual.length, wanted.length) <= 120
  )
    return `${show(actual)} -> ${show(wanted)}`;
  let at = 0;
  while (at < actual.length && actual[at] === wanted[at]) at += 1;
  const from = Math.max(0, at - 30);
  const excerpt = (text: string) => `${from > 0 ? "..." : ""}${show(text.slice(from)).slice(1)}`;
  return `"${excerpt(actual)} -> "${excerpt(wanted)}`;
};

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v);

/** One line per difference: `path: what Datadog has -> what dogdriver wants`. */
export const differences = (wanted: Json, actual: unknown, path = ""): string[] => {
  if (Array.isArray(wanted)) {
    if (!Array.isArray(actual)) return [`${path || "(root)"}: ${show(actual)} -> ${show(wanted)}`];
    const lines = wanted.flatMap((item, i) => differences(item, actual[i], `${path}[${i}]`));
    if (actual.length > wanted.length)
      lines.push(`${path}: ${actual.length - wanted.length} item(s) more than wanted (removed)`);
    return lines;
  }
  if (isObject(wanted)) {
    if (!isObject(actual)) return [`${path || "(root)"}: ${show(actual)} -> ${show(wanted)}`];
    return Object.entries(wanted).flatMap(([key, value]) =>
      differences(value, actual[key], path === "" ? key : `${path}.${key}`),
    );
  }
  return wanted === actual ? [] : [`${path || "(root)"}: ${showPair(actual, wanted)}`];
};
