import { z } from "zod";
import { got } from "./issues.js";
import { describe, duration, equivalencePct, handles, httpUrl, name, repo } from "./schema-fields.js";

// One service of the configuration file (`services[]`), also what a Software Catalog entity's dogdriver block is
// read with (src/discovery/dogdriver-block.ts): its endpoint, version, test, queries and alerting.

const queryText = z.string({ error: (i) => `expected a Datadog metric query, got ${got(i.input)}` }).min(1, {
  error: "expected a Datadog metric query, got an empty string",
});

// The per-endpoint server query: one query grouped by exactly one tag (the resource), a series per endpoint.
const GROUPED_QUERY_RULE =
  'a Datadog metric query grouped by one tag, e.g. "avg:trace.http.request.duration{service:{service},env:{env}} by {resource_name} * 1000"';
const GROUPED_BY_ONE = /\bby\s*\{\s*[A-Za-z][\w.\-/]*\s*\}/;
const groupedQuery = queryText
  .refine((text) => GROUPED_BY_ONE.test(text), {
    error: (i) => `expected ${GROUPED_QUERY_RULE}, got ${got(i.input)}`,
  })
  .meta({ pattern: GROUPED_BY_ONE.source });

export const versionSchema = z
  .union(
    [
      z.string().min(1).meta(describe("A fixed version string")),
      z.strictObject({
        url: httpUrl
          .meta(describe("URL answering JSON with the version (default: <endpoint>/__version__)"))
          .optional(),
        field: z
          .string({ error: (i) => `expected a JSON field name, got ${got(i.input)}` })
          .min(1)
          .meta(describe('Dotted path of the version in that JSON (default "version")'))
          .optional(),
      }),
    ],
    { error: (i) => `expected a fixed version string or { "url", "field" }, got ${got(i.input)}` },
  )
  .meta(
    describe(
      "Where the deployed version is read: { url, field } (Dockerflow /__version__) or a fixed string",
    ),
  );

export const serviceSchema = z.strictObject({
  name: name("a service name").meta(describe("Service name (the Datadog `service` tag)")),
  env: name("an environment name").meta(describe("Environment (the Datadog `env` tag)")),
  endpoint: httpUrl.meta(describe("Base URL the load test targets (DOGDRIVER_ENDPOINT)")),
  version: versionSchema.optional(),
  test: z
    .strictObject({
      repo: repo.meta(describe("Git URL or local directory holding molotov.json and the scenario")),
      name: z
        .string({ error: (i) => `expected a test name, got ${got(i.input)}` })
        .min(1)
        .meta(describe('Key under molotov.tests in molotov.json (default "dogdriver")'))
        .optional(),
      ref: z
        .string({ error: (i) => `expected a git ref, got ${got(i.input)}` })
        .regex(/^[^-\s][^\s]*$/, {
          error: (i) => `expected a git ref (not starting with "-"), got ${got(i.input)}`,
        })
        .meta(describe("Git branch, tag or commit to check out"))
        .optional(),
      timeout: duration.meta(describe('Hard limit for one Molotov run, e.g. "5m"')).optional(),
    })
    .meta(describe("The Molotov load test")),
  queries: z
    .record(
      z
        .string()
        .regex(/^[a-z][a-z0-9_]{0,63}$/, {
          error: (i) => `expected a query name of lowercase letters, digits and '_', got ${got(i.input)}`,
        })
        // server_notes.endpoint_query says why the per-endpoint server values are missing.
        .refine((name) => name !== "endpoint_query", {
          error: 'the query name "endpoint_query" is reserved (use the service\'s endpoint_query key)',
        }),
      queryText,
    )
    .meta(describe("Named Datadog metric queries; {service}, {env} and {version} are filled in"))
    .optional(),
  topology_query: queryText
    .meta(describe("Datadog query whose value changing during a run flags it topology_changed"))
    .optional(),
  endpoint_query: z
    .union([z.literal(true), groupedQuery], {
      error: (i) => `expected true (the default APM query) or ${GROUPED_QUERY_RULE}, got ${got(i.input)}`,
    })
    .meta(
      describe(
        "The server's latency per endpoint (ms) from APM, grouped by resource: true for the default query, or a query (docs/aggregator.md)",
      ),
    )
    .optional(),
  team: name("a team name")
    .meta(describe("Owning team: a `team` tag on the service's runs, metrics and events (docs/fleet.md)"))
    .optional(),
  notify: handles
    .meta(describe("Who the monitors notify for this service, besides alerts.notify"))
    .optional(),
  equivalence_pct: equivalencePct
    .meta(describe('This service\'s "no change" margin in percent (default: verdicts.equivalence_pct)'))
    .optional(),
});
