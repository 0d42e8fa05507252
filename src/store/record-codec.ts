import { describeIssues } from "../config/issues.js";
import { DogdriverError } from "../errors.js";
import { canonicalRecord } from "./record-fast-path.js";
import { recordText } from "./record-text.js";
import { RUN_SCHEMA_NAMES, type RunRecord, runRecordSchema } from "./run-record.js";

// How a run record is written to and read from the store: one pretty-printed JSON document per object, each
// endpoint entry on one line (record-text.ts).

/** "client.requests: expected a number" lines for a value that is not a valid run record. */
export const recordProblems = (value: unknown): string[] => {
  const parsed = runRecordSchema.safeParse(value);
  if (parsed.success) return [];
  return describeIssues(runRecordSchema, parsed.error.issues);
};

/** Validates a record before it is stored: the store never holds one that readers would reject. */
export const checkRecord = (record: unknown, what = "run record"): RunRecord => {
  const parsed = runRecordSchema.safeParse(record);
  if (parsed.success) return parsed.data;
  const problems = describeIssues(runRecordSchema, parsed.error.issues);
  throw new DogdriverError(
    "invalid_input",
    `${what}: not a valid ${RUN_SCHEMA_NAMES} record: ${problems.join("; ")}`,
    {
      details: problems,
    },
  );
};

export const encodeRecord = (record: RunRecord): string => recordText(record);

/** Parses a stored record; `where` names the object in the error. */
export const decodeRecord = (text: string, where: string): RunRecord => {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new DogdriverError("store", `${where}: not valid JSON (${(error as Error).message})`);
  }
  // What dogdriver wrote is read as it is; anything else is validated (and named) by the schema.
  const canonical = canonicalRecord(value);
  if (canonical !== undefined) return canonical;
  const parsed = runRecordSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new DogdriverError(
    "store",
    `${where}: not a valid ${RUN_SCHEMA_NAMES} record: ${describeIssues(runRecordSchema, parsed.error.issues).slice(0, 3).join("; ")}`,
  );
};

// JSON with object keys sorted, so two records that differ only in key order compare equal.
const canonical = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );

/** True when two records hold the same data (key order aside). */
export const sameRecord = (a: RunRecord, b: RunRecord): boolean => canonical(a) === canonical(b);
