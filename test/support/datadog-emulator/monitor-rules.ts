import { v1 } from "@datadog/datadog-api-client";
import { hasUnparsed, modelError } from "./model-check.js";
import { parseQuery } from "./query-parser.js";

// What Datadog checks in a metric monitor (createMonitor JSDoc and docs monitors/types/metric):
//   time_aggr(time_window):space_aggr:metric{tags} [by {key}] operator #
//   change_aggr(time_aggr(time_window), timeshift):space_aggr:metric{tags} [by {key}] operator #
// and that the query's threshold equals options.thresholds.critical.

const timeAggregators = "avg|sum|min|max|last|percentile\\(\\d+\\)";
const plain = new RegExp(`^(${timeAggregators})\\((last_\\d+[mhdw])\\)$`);
const change = new RegExp(
  `^(change|pct_change)\\(\\s*(${timeAggregators})\\((last_\\d+[mhdw])\\)\\s*,\\s*(last_\\d+[mhdw]|\\d+[mhd]_ago)\\s*\\)$`,
);
const comparison = /^(.*?)\s*(>=|<=|>|<|==)\s*(-?\d+(?:\.\d+)?(?:e[+-]?\d+)?)\s*$/i;

// Window limits: last_#m 1-10080, last_#h 1-168, last_1d, last_1w; change alerts m 1-2880, h 1-48, d 1-2.
const windowOk = (window: string, isChange: boolean): boolean => {
  const m = /^last_(\d+)([mhdw])$/.exec(window);
  if (!m) return false;
  const n = Number(m[1]);
  const max = isChange ? { m: 2880, h: 48, d: 2, w: 0 } : { m: 10080, h: 168, d: 1, w: 1 };
  return n >= 1 && n <= max[m[2] as "m" | "h" | "d" | "w"];
};

const metricQueryProblem = (query: string): string | undefined => {
  const compared = comparison.exec(query);
  if (!compared)
    return "The value provided for parameter 'query' is invalid: missing a comparison with a threshold";
  const head = compared[1] ?? "";
  const colon = head.indexOf("):");
  if (colon === -1)
    return "The value provided for parameter 'query' is invalid: expected time_aggr(time_window):";
  const timePart = head.slice(0, colon + 1);
  const metricPart = head.slice(colon + 2);
  const p = plain.exec(timePart);
  const c = change.exec(timePart);
  if (!p && !c)
    return `The value provided for parameter 'query' is invalid: '${timePart}' is not a time aggregation`;
  const window = (p ? p[2] : c?.[3]) ?? "";
  if (!windowOk(window, Boolean(c)))
    return `The value provided for parameter 'query' is invalid: window '${window}'`;
  try {
    parseQuery(metricPart);
  } catch (error) {
    return `The value provided for parameter 'query' is invalid: ${modelError(error)}`;
  }
  return undefined;
};

const sameNumber = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));

/** The reason Datadog would refuse this monitor (raw snake_case JSON), or undefined. */
export const monitorProblem = (raw: unknown): string | undefined => {
  let monitor: v1.Monitor;
  try {
    monitor = v1.ObjectSerializer.deserialize(raw, "Monitor", "") as v1.Monitor;
  } catch (error) {
    return `Invalid monitor: ${modelError(error)}`;
  }
  if (hasUnparsed(monitor))
    return "Invalid monitor: a value is not one of the allowed values (type, priority, options)";
  if (
    monitor.priority !== undefined &&
    monitor.priority !== null &&
    (monitor.priority < 1 || monitor.priority > 5)
  ) {
    return "Invalid monitor: priority must be between 1 and 5";
  }
  if (monitor.type !== "metric alert" && monitor.type !== "query alert") return undefined;
  const problem = metricQueryProblem(monitor.query);
  if (problem) return problem;
  const threshold = Number(comparison.exec(monitor.query)?.[3]);
  const comparator = comparison.exec(monitor.query)?.[2] ?? ">";
  const thresholds = monitor.options?.thresholds;
  const critical = thresholds?.critical;
  if (critical === undefined || critical === null) {
    return thresholds?.warning !== undefined ? "Alert status is required." : undefined;
  }
  if (!sameNumber(critical, threshold)) {
    return `Alert threshold (${critical}) does not match that used in the query (${threshold}).`;
  }
  const warning = thresholds?.warning;
  if (warning !== undefined && warning !== null) {
    const above = comparator.startsWith(">");
    if (above ? warning >= critical : warning <= critical) {
      return `Warning threshold (${warning}) must be ${above ? "less" : "greater"} than the alert threshold (${critical}) with the ${comparator} comparator.`;
    }
  }
  return undefined;
};
