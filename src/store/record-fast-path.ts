import { NAME_PATTERN as NAME } from "../config/names.js";
import { safeText } from "../text/safe-text.js";
import type { RunRecord } from "./run-record.js";
import { RUN_ID_PATTERN as ID, MAX_RECORD_ENDPOINTS, RUN_SCHEMAS } from "./run-record.js";

// Reading a stored record without zod when it is exactly what dogdriver writes. A fleet's report reads 100,000
// records; runRecordSchema's validation of each (its endpoints' above all) was a fifth of the report's CPU. This
// check accepts a record only when runRecordSchema would accept it and return it unchanged: every field of the
// right type and range, every outside text already in the safe set, the keys in the schema's order (zod puts
// known keys first, in its order, then unknown ones); anything else (an older producer's key order, an unusual
// time format, a doubtful value) goes to runRecordSchema, which names what is wrong. test/store/record-fast-path
// checks the two agree on generated records, valid and broken.

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
// The form dogdriver writes (Date.prototype.toISOString); other ISO forms go to zod.
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const digits = (v: string, at: number, n: number): number => {
  let out = 0;
  for (let i = at; i < at + n; i++) out = out * 10 + (v.charCodeAt(i) - 48);
  return out;
};
/** A real time of day on a real date (what toISOString would write back unchanged). */
const realTime = (v: string): boolean => {
  const year = digits(v, 0, 4);
  const month = digits(v, 5, 2);
  const day = digits(v, 8, 2);
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = month === 2 && leap ? 29 : (DAYS[month - 1] ?? 0);
  return (
    day >= 1 && day <= days && digits(v, 11, 2) <= 23 && digits(v, 14, 2) <= 59 && digits(v, 17, 2) <= 59
  );
};

const count = (v: unknown): boolean => typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
const nonNegative = (v: unknown): boolean => typeof v === "number" && Number.isFinite(v) && v >= 0;
const orNull = (check: (v: unknown) => boolean) => (v: unknown) => v === null || check(v);
const time = (v: unknown): boolean => typeof v === "string" && ISO_UTC.test(v) && realTime(v);
// Outside text is stored already cut and escaped (safeText): the transform would change nothing.
const text =
  (max?: number, min = 0) =>
  (v: unknown) =>
    typeof v === "string" &&
    v.length >= min &&
    (max === undefined || v.length <= max) &&
    safeText(v, max) === v;

interface Shape {
  /** Known keys in the schema's order, each with its check and whether it may be absent. */
  keys: readonly (readonly [string, (v: unknown) => boolean, boolean])[];
}

const order = new Map<Shape, Map<string, number>>();

/** Every known key right and present when required, known keys first in the schema's order, unknown ones after. */
const fits = (value: unknown, shape: Shape): boolean => {
  if (!isObject(value)) return false;
  let at = order.get(shape);
  if (at === undefined) {
    at = new Map(shape.keys.map(([k], i) => [k, i]));
    order.set(shape, at);
  }
  let last = -1;
  let unknownSeen = false;
  for (const key in value) {
    const i = at.get(key);
    if (i === undefined) {
      unknownSeen = true;
      continue;
    }
    if (unknownSeen || i <= last) return false;
    last = i;
  }
  for (const [key, check, optional] of shape.keys) {
    const v = value[key];
    if (v === undefined ? !optional || key in value : !check(v)) return false;
  }
  return true;
};

const LATENCY: Shape = {
  keys: ["p50", "p75", "p90", "p95", "p99", "max", "mean"].map(
    (k) => [k, orNull(nonNegative), false] as const,
  ),
};
const ENDPOINT_LATENCY: Shape = {
  keys: ["p50", "p95", "p99"].map((k) => [k, orNull(nonNegative), false] as const),
};
const ENDPOINT: Shape = {
  keys: [
    ["name", text(200, 1), false],
    ["other", (v) => v === true, true],
    ["requests", count, false],
    ["errors", count, false],
    ["latency_ms", (v) => fits(v, ENDPOINT_LATENCY), false],
    ["server_ms", nonNegative, true],
  ],
};

const endpoints = (v: unknown): boolean => {
  if (!Array.isArray(v) || v.length > MAX_RECORD_ENDPOINTS) return false;
  const names = new Set<unknown>();
  for (const e of v) {
    if (!fits(e, ENDPOINT)) return false;
    names.add((e as Json).name);
  }
  return names.size === v.length;
};

const CLIENT: Shape = {
  keys: [
    ["requests", count, false],
    ["errors", count, false],
    ["rps", nonNegative, false],
    ["latency_ms", (v) => fits(v, LATENCY), false],
    ["error_rate", (v) => nonNegative(v) && (v as number) <= 1, true],
    ["scenario_runs", count, true],
    ["failures", count, true],
    [
      "failure_messages",
      (v) => Array.isArray(v) && v.length <= 5 && v.every((m) => typeof m === "string" && m.length <= 200),
      true,
    ],
    ["endpoints", endpoints, true],
  ],
};

const RUNNER: Shape = {
  keys: [
    ["cpu_pct", orNull(nonNegative), false],
    ["load_per_core", orNull(nonNegative), false],
    ["lag_ms_p99", orNull(nonNegative), false],
    ["lag_ms_max", orNull(nonNegative), true],
    ["molotov_cpu_pct", orNull(nonNegative), true],
    ["molotov_wait_pct", orNull(nonNegative), true],
    ["molotov_wait_ms_per_slice", orNull(nonNegative), true],
    ["cores", (v) => count(v) && (v as number) > 0, true],
  ],
};

const everyValue = (v: unknown, check: (x: unknown) => boolean): boolean =>
  isObject(v) && Object.values(v).every(check);

const RECORD: Shape = {
  keys: [
    ["schema", (v) => (RUN_SCHEMAS as readonly unknown[]).includes(v), false],
    ["id", (v) => typeof v === "string" && ID.test(v), false],
    ["service", (v) => typeof v === "string" && NAME.test(v), false],
    ["env", (v) => typeof v === "string" && NAME.test(v), false],
    ["version", text(200, 1), false],
    ["source", (v) => typeof v === "string" && NAME.test(v), false],
    ["test", text(200, 1), false],
    ["started_at", time, false],
    ["ended_at", time, false],
    ["state", (v) => v === "pending" || v === "aggregated" || v === "failed", false],
    ["client", (v) => fits(v, CLIENT), false],
    ["runner", (v) => fits(v, RUNNER), true],
    [
      "server",
      (v) =>
        everyValue(
          v,
          orNull((x) => typeof x === "number" && Number.isFinite(x)),
        ),
      true,
    ],
    ["server_notes", (v) => everyValue(v, text()), true],
    ["flags", (v) => Array.isArray(v) && v.every((f) => typeof f === "string"), true],
    ["reason", text(), true],
    ["version_before", text(200), true],
    ["aggregated_at", time, true],
    ["team", (v) => typeof v === "string" && NAME.test(v), true],
  ],
};

/** Each shape's known keys, in order: a test holds them to runRecordSchema's, so that no field is missed here. */
export const FAST_PATH_KEYS = {
  record: RECORD.keys.map(([k]) => k),
  client: CLIENT.keys.map(([k]) => k),
  latency: LATENCY.keys.map(([k]) => k),
  endpoint: ENDPOINT.keys.map(([k]) => k),
  endpointLatency: ENDPOINT_LATENCY.keys.map(([k]) => k),
  runner: RUNNER.keys.map(([k]) => k),
};

/** The record as runRecordSchema would return it, when it is one it returns unchanged; else undefined. */
export const canonicalRecord = (value: unknown): RunRecord | undefined => {
  if (!fits(value, RECORD)) return undefined;
  const r = value as Json;
  return Date.parse(r.ended_at as string) >= Date.parse(r.started_at as string)
    ? (r as RunRecord)
    : undefined;
};
