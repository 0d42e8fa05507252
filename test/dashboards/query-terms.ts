import {
  contractMetrics,
  ENDPOINT_ONLY_TAG_KEYS,
  EVENT_TAG_KEYS,
  OVERLAY_EVENT_KINDS,
  RELEASE_ONLY_TAG_KEYS,
  SERIES_TAG_KEYS,
} from "./contract-terms.js";

// A checker for the Datadog query strings dogdriver generates: metric queries (widgets and monitors), event
// overlay searches and monitor searches. It lists every name that the contract does not allow.

const METRIC_TERM = /\b(avg|sum|min|max):([A-Za-z][\w.]*)\{([^}]*)\}(?:\s*by\s*\{([^}]*)\})?/g;

// Words that may remain in a metric query once its metric terms are taken out: functions, rollup and
// monitor time aggregations, windows.
const ALLOWED_WORDS = new Set(["avg", "sum", "min", "max", "count", "rollup", "clamp_min", "clamp_max"]);
const WINDOW = /^last_\d+[mhdw]$/;

const tagKey = (item: string): string | undefined => {
  const trimmed = item.trim();
  if (trimmed === "*" || trimmed === "") return undefined;
  if (trimmed.startsWith("$")) return trimmed.slice(1); // template variables are named after their tag
  return trimmed.split(":")[0];
};

/** Problems in one metric query ("" when it is fine). */
export const checkMetricQuery = (query: string, serverQueries: string[]): string[] => {
  const metrics = contractMetrics(serverQueries);
  const problems: string[] = [];
  let found = 0;
  const rest = query.replace(
    METRIC_TERM,
    (_all, _aggr, metric: string, scopeText: string, groupText?: string) => {
      found += 1;
      if (!metrics.has(metric)) problems.push(`metric ${metric} is not in the contract`);
      const release = metric.startsWith("dogdriver.release.");
      const endpoint = /^dogdriver\.(run|release)\.endpoint\./.test(metric);
      const keys = [...scopeText.split(",").map(tagKey), ...(groupText ?? "").split(",").map(tagKey)].filter(
        (k): k is string => k !== undefined,
      );
      for (const key of keys) {
        const ok =
          SERIES_TAG_KEYS.has(key) ||
          (release && RELEASE_ONLY_TAG_KEYS.has(key)) ||
          (endpoint && ENDPOINT_ONLY_TAG_KEYS.has(key));
        if (!ok) problems.push(`tag ${key} on ${metric} is not in the contract`);
      }
      return " M ";
    },
  );
  if (found === 0) problems.push(`no metric term in "${query}"`);
  for (const word of rest.match(/[A-Za-z_][\w.]*/g) ?? []) {
    if (word !== "M" && !ALLOWED_WORDS.has(word) && !WINDOW.test(word))
      problems.push(`unexpected "${word}" in "${query}"`);
  }
  return problems;
};

/** Problems in an event search such as `tags:dogdriver_event:release service:$service.value`. */
export const checkEventQuery = (query: string): string[] => {
  const problems: string[] = [];
  let tagged = false;
  for (const term of query.trim().split(/\s+/)) {
    const [key, value] = term.split(/:(.*)/s);
    if (key === "tags" && value !== undefined && OVERLAY_EVENT_KINDS.has(value)) tagged = true;
    else if (key === undefined || !EVENT_TAG_KEYS.has(key))
      problems.push(`event term ${term} is not in the contract`);
  }
  if (!tagged) problems.push(`event search "${query}" does not select a release or verdict event kind`);
  return problems;
};

/** Every query string in a dashboard JSON, with what kind it is. */
export const dashboardQueries = (
  node: unknown,
  out: { kind: "metric" | "event" | "monitor_search"; text: string }[] = [],
) => {
  if (Array.isArray(node)) {
    for (const item of node) dashboardQueries(item, out);
  } else if (node !== null && typeof node === "object") {
    const obj = node as Record<string, unknown>;
    if (obj.data_source === "metrics" && typeof obj.query === "string")
      out.push({ kind: "metric", text: obj.query });
    if (obj.type === "manage_status" && typeof obj.query === "string")
      out.push({ kind: "monitor_search", text: obj.query });
    if (Array.isArray(obj.events))
      for (const e of obj.events) out.push({ kind: "event", text: String((e as { q: unknown }).q) });
    if (typeof obj.q === "string" && !Array.isArray(obj.events)) out.push({ kind: "metric", text: obj.q });
    for (const [key, value] of Object.entries(obj)) if (key !== "events") dashboardQueries(value, out);
  }
  return out;
};

/** All contract problems of a dashboard JSON. */
export const checkDashboard = (dashboard: unknown, serverQueries: string[]): string[] =>
  dashboardQueries(dashboard).flatMap((q) => {
    if (q.kind === "metric") return checkMetricQuery(q.text, serverQueries);
    if (q.kind === "event") return checkEventQuery(q.text);
    return q.text === 'tag:"managed_by:dogdriver"' ? [] : [`monitor search "${q.text}" is not dogdriver's`];
  });
