import { z } from "zod";
import { NAME_PATTERN } from "../config/names.js";
import { safeText } from "../text/safe-text.js";

// The run record (docs/contract.md). The stored JSON is the domain object: fields keep the contract's snake_case
// names and units in their names. Fields beyond the contract are optional and documented in docs/run-record.md;
// unknown fields are kept as they are (a newer producer may add some). `run` writes dogdriver.run.v2 (v1 plus
// client.endpoints); v1 records, written before, are read, imported and exported as they are.

/** What `run` writes. */
export const RUN_SCHEMA = "dogdriver.run.v2";
/** A run's id: a ULID as dogdriver makes them, or an imported record's own id. */
export const RUN_ID_PATTERN = /^[0-9A-Za-z_-]{1,64}$/;
/** Records written before endpoints: still read, imported and exported unchanged. */
const RUN_SCHEMA_V1 = "dogdriver.run.v1";
export const RUN_SCHEMAS = [RUN_SCHEMA_V1, RUN_SCHEMA] as const;
/** For messages: "dogdriver.run.v1 or dogdriver.run.v2". */
export const RUN_SCHEMA_NAMES = RUN_SCHEMAS.join(" or ");

// runner_saturated: the load generator could not keep up (the runner was busy), so the run says more of the runner
// than of the release (docs/runner.md).
// error_rate_high: more of the test failed (requests or scenario runs) than alerts.error_rate_pct allows, so its
// latency describes a different workload; the run still goes to Datadog, where the error-rate monitor sees it.
export const RUN_FLAGS = [
  "topology_changed",
  "version_changed",
  "runner_saturated",
  "error_rate_high",
] as const;

const isoTime = z.iso.datetime({
  offset: true,
  error: "expected an ISO 8601 time such as 2026-11-24T10:00:00.000Z",
});
const count = z.number().int().nonnegative();
// Text that came from outside dogdriver (a version endpoint, a test's output, an imported file) is kept in the
// safe character set of docs/run-record.md, whichever way the record arrives (run, import, a store written by
// an older version): readers and terminals never see a control character.
const outsideText = (schema: z.ZodString, maxChars?: number) =>
  schema.transform((t) => safeText(t, maxChars));
const latencyValue = z.number().nonnegative().nullable();

export const latencySummarySchema = z.looseObject({
  p50: latencyValue,
  p75: latencyValue,
  p90: latencyValue,
  p95: latencyValue,
  p99: latencyValue,
  max: latencyValue,
  mean: latencyValue,
});

/**
 * One entry of client.endpoints (docs/run-record.md, "Endpoints"): an endpoint's requests, errors and latency
 * percentiles; `other: true` marks the entry of every endpoint beyond the top N (named "other", a name no request
 * can take). `server_ms` is added by `aggregate` where the service's APM resource matched. No rps: it is
 * client.rps × requests / client.requests, derived (endpointRps) rather than stored.
 */
const endpointEntrySchema = z.looseObject({
  name: outsideText(z.string().min(1).max(200), 200),
  other: z.literal(true).optional(),
  requests: count,
  errors: count,
  latency_ms: z.looseObject({ p50: latencyValue, p95: latencyValue, p99: latencyValue }),
  server_ms: z.number().nonnegative().optional(),
});

/** Endpoints a record may hold: config endpoints.max is at most 100, plus "other". */
export const MAX_RECORD_ENDPOINTS = 101;

export const runRecordSchema = z
  .looseObject({
    schema: z.enum(RUN_SCHEMAS, { error: `expected "${RUN_SCHEMA_V1}" or "${RUN_SCHEMA}"` }),
    id: z.string().regex(RUN_ID_PATTERN, { error: "expected an id of letters, digits, '_' or '-' (a ULID)" }),
    service: z.string().regex(NAME_PATTERN, { error: "expected a lowercase service name" }),
    env: z.string().regex(NAME_PATTERN, { error: "expected a lowercase env name" }),
    version: outsideText(z.string().min(1).max(200), 200),
    source: z.string().regex(NAME_PATTERN, { error: "expected a lowercase source name" }),
    test: outsideText(z.string().min(1).max(200), 200),
    started_at: isoTime,
    ended_at: isoTime,
    state: z.enum(["pending", "aggregated", "failed"]),
    client: z.looseObject({
      requests: count,
      errors: count,
      rps: z.number().nonnegative(),
      latency_ms: latencySummarySchema,
      /** The share of failed requests or of failed scenario runs, the higher; added by dogdriver 0.1. */
      error_rate: z.number().min(0).max(1).optional(),
      /** Scenario runs that completed or raised (molotov's OK + FAILED). */
      scenario_runs: count.optional(),
      /** Scenario runs that raised: an assertion or exception in the scenario, HTTP error or not. */
      failures: count.optional(),
      /** The first few distinct messages of failed scenario runs, at most 200 characters each. */
      failure_messages: z.array(z.string().max(200)).max(5).optional(),
      /** Per endpoint, most requests first, "other" last (dogdriver.run.v2). */
      endpoints: z
        .array(endpointEntrySchema)
        .max(MAX_RECORD_ENDPOINTS)
        .refine((list) => new Set(list.map((e) => e.name)).size === list.length, {
          error: "expected each endpoint name once",
        })
        .optional(),
    }),
    /** How busy the runner was during the load (docs/runner.md); flag runner_saturated when it could not keep up. */
    runner: z
      .looseObject({
        cpu_pct: z.number().nonnegative().nullable(),
        load_per_core: z.number().nonnegative().nullable(),
        lag_ms_p99: z.number().nonnegative().nullable(),
        lag_ms_max: z.number().nonnegative().nullable().optional(),
        molotov_cpu_pct: z.number().nonnegative().nullable().optional(),
        molotov_wait_pct: z.number().nonnegative().nullable().optional(),
        molotov_wait_ms_per_slice: z.number().nonnegative().nullable().optional(),
        cores: z.number().int().positive().optional(),
      })
      .optional(),
    server: z.record(z.string(), z.number().nullable()).optional(),
    /** Why a `server` value is null ("no data in the window"). */
    server_notes: z.record(z.string(), outsideText(z.string())).optional(),
    flags: z.array(z.string()).optional(),
    /** Why a run failed (state "failed"). */
    reason: outsideText(z.string()).optional(),
    /** The version read before the load when it differs from `version` (flag version_changed). */
    version_before: outsideText(z.string(), 200).optional(),
    aggregated_at: isoTime.optional(),
    /** The owning team (config `team` or the Software Catalog owner), tagged on metrics and events. */
    team: z.string().regex(NAME_PATTERN, { error: "expected a lowercase team name" }).optional(),
  })
  .refine((r) => Date.parse(r.ended_at) >= Date.parse(r.started_at), {
    error: "ended_at is before started_at",
    path: ["ended_at"],
  });

export type RunRecord = z.infer<typeof runRecordSchema>;
export type LatencySummary = z.infer<typeof latencySummarySchema>;
export type EndpointEntry = z.infer<typeof endpointEntrySchema>;

/** An endpoint's requests per second: the run's rps for its share of the requests (both over the run's span). */
export const endpointRps = (
  client: Pick<RunRecord["client"], "rps" | "requests">,
  requests: number,
): number => (client.requests > 0 ? Math.round(((client.rps * requests) / client.requests) * 100) / 100 : 0);
export type RunState = RunRecord["state"];
