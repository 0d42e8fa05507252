import { got } from "../config/issues.js";
import { isValidName, NAME_RULE } from "../config/names.js";
import { DogdriverError } from "../errors.js";
import { RUN_ID_PATTERN } from "./run-record.js";
import type { RunFilter } from "./types.js";

// Store keys (docs/contract.md): runs/<service>/<env>/<started_at>_<id>.json, and dogdriver's own files under
// _dogdriver/. Every part is validated, never escaped: a name that passes cannot leave the root ("..", "/"),
// be empty, or exceed the limits below, so two different records never share a key.

export const RUNS_DIR = "runs";
export const BLOBS_DIR = "_dogdriver";

// ULIDs are 26 characters; other producers may use UUIDs or their own ids (run-record.ts allows up to 64).
// What Date#toISOString writes for years 0000-9999: fixed width, so keys sort by time.
const KEY_TIME_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const FILE_PATTERN = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)_([0-9A-Za-z_-]{1,64})\.json$/;

// Blob paths are chosen by dogdriver itself (claims/<run>, outbox/...): a conservative character set, no
// segment starting with "." (the file store keeps its temp files and locks there), bounded length.
const BLOB_SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9_.:=+-]{0,199}$/;
const BLOB_PATH_MAX = 512;

export interface RunKeyParts {
  service: string;
  env: string;
  startedAt: string;
  id: string;
}

const invalid = (what: string, expected: string, value: unknown): DogdriverError =>
  new DogdriverError("invalid_input", `${what}: expected ${expected}, got ${got(value)}`);

/** Checks a service, env or source name before it becomes part of a key. */
export const checkName = (what: string, value: unknown): string => {
  if (typeof value !== "string" || !isValidName(value)) throw invalid(what, NAME_RULE, value);
  return value;
};

/** The UTC, millisecond form of a time that every key uses, whatever offset the record was written with. */
export const keyTime = (startedAt: string): string => {
  const ms = Date.parse(startedAt);
  const text = Number.isNaN(ms) ? "" : new Date(ms).toISOString();
  if (!KEY_TIME_PATTERN.test(text))
    throw invalid("started_at", "an ISO 8601 time between years 0 and 9999", startedAt);
  return text;
};

/** The key of a record: runs/<service>/<env>/<started_at>_<id>.json. */
export const runKey = (record: { service: string; env: string; started_at: string; id: string }): string => {
  const service = checkName("service", record.service);
  const env = checkName("env", record.env);
  if (typeof record.id !== "string" || !RUN_ID_PATTERN.test(record.id))
    throw invalid("id", "1-64 letters, digits, '_' or '-'", record.id);
  return `${RUNS_DIR}/${service}/${env}/${keyTime(record.started_at)}_${record.id}.json`;
};

/** The parts of a run key, or undefined when `key` is not one (a stray file, a temp file). */
export const parseRunKey = (key: string): RunKeyParts | undefined => {
  const parts = key.split("/");
  if (parts.length !== 4 || parts[0] !== RUNS_DIR) return undefined;
  const [, service = "", env = "", file = ""] = parts;
  const match = FILE_PATTERN.exec(file);
  if (!match || !isValidName(service) || !isValidName(env)) return undefined;
  return { service, env, startedAt: match[1] ?? "", id: match[2] ?? "" };
};

/** Throws unless `key` is a run key (getRun takes keys from callers). */
export const checkRunKey = (key: string): RunKeyParts => {
  const parts = parseRunKey(key);
  if (!parts) throw invalid("run key", "runs/<service>/<env>/<started_at>_<id>.json", key);
  return parts;
};

/** The key prefix that lists one service or one service/env; env alone is handled by the backends. */
export const runPrefix = (filter: RunFilter = {}): string => {
  if (filter.service === undefined) return `${RUNS_DIR}/`;
  const service = checkName("service", filter.service);
  if (filter.env === undefined) return `${RUNS_DIR}/${service}/`;
  return `${RUNS_DIR}/${service}/${checkName("env", filter.env)}/`;
};

/** Checks a path under _dogdriver/ ("claims/kinto/stage/x.json"). */
export const checkBlobPath = (path: string): string => {
  const ok =
    typeof path === "string" &&
    path.length <= BLOB_PATH_MAX &&
    path.split("/").every((segment) => BLOB_SEGMENT.test(segment));
  if (!ok)
    throw invalid(
      "blob path",
      `'/'-separated segments of letters, digits, '_', '.', ':', '=', '+' or '-' not starting with '.', at most ${BLOB_PATH_MAX} characters`,
      path,
    );
  return path;
};

/** Checks a listing prefix under _dogdriver/: like a path, but it may end with "/" or be empty. */
export const checkBlobPrefix = (prefix: string): string => {
  if (prefix === "") return prefix;
  checkBlobPath(prefix.endsWith("/") ? prefix.slice(0, -1) : prefix);
  return prefix;
};
