import { isAbsolute } from "node:path";
import { z } from "zod";
import { parseDurationMs } from "./duration.js";
import { got } from "./issues.js";
import { isValidName, NAME_RULE } from "./names.js";
import { describe, duration, equivalencePct, handles, name } from "./schema-fields.js";
import { serviceSchema } from "./service-schema.js";

// The configuration file as users write it (snake_case, as in docs/contract.md). src/config/load.ts turns it into
// the camelCase `Config` of ./types.ts. schema/dogdriver.config.schema.json is generated from this
// (src/config/json-schema.ts): `.meta()` carries the descriptions and the patterns editors check, which zod's
// refinements cannot express in JSON Schema.

// A five- or six-field cron expression as node-schedule takes it; node-schedule itself checks it further.
const cron = z
  .string({ error: (i) => `expected a cron expression such as "*/30 * * * *", got ${got(i.input)}` })
  .refine((text) => /^\s*\S+(\s+\S+){4,5}\s*$/.test(text), {
    error: (i) => `expected a cron expression such as "*/30 * * * *", got ${got(i.input)}`,
  })
  .meta({ pattern: "^\\s*\\S+(\\s+\\S+){4,5}\\s*$" });

const storeUrl = z
  .string({ error: (i) => `expected a file:// or s3:// URL, got ${got(i.input)}` })
  .refine(
    (text) => /^file:\/\/.+/.test(text) || /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/.test(text),
    {
      error: (i) => `expected file://DIR or s3://bucket/prefix, got ${got(i.input)}`,
    },
  )
  .meta({ pattern: "^(file://.+|s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/.*)?)$" });

const metricPattern = z
  .string({ error: (i) => `expected a metric name or pattern, got ${got(i.input)}` })
  .regex(/^dogdriver\.[a-z0-9_.*]+$/, {
    error: (i) => `expected a dogdriver.* metric name, "*" for any characters, got ${got(i.input)}`,
  });

// Software Catalog discovery (docs/fleet.md). Filters narrow what the catalog is asked for; the config's own
// services are always kept.
export const discoverSchema = z.strictObject({
  datadog: z
    .boolean()
    .meta(describe("Add every Software Catalog service whose definition has an extensions.dogdriver block")),
  owners: z
    .array(z.string().min(1).max(200))
    .meta(describe("Only entities owned by one of these teams"))
    .optional(),
  tags: z
    .array(z.string().min(1).max(200))
    .meta(describe('Only entities carrying every one of these tags ("tier:1")'))
    .optional(),
  kinds: z
    .array(z.string().regex(/^[a-z][a-z0-9_-]{0,63}$/))
    .meta(describe('Entity kinds to read (default ["service"])'))
    .optional(),
  local_repo_dirs: z
    .array(
      z
        .string({ error: (i) => `expected an absolute directory, got ${got(i.input)}` })
        .refine((text) => isAbsolute(text) && !/[\0\n\r]/.test(text), {
          error: (i) => `expected an absolute directory, got ${got(i.input)}`,
        })
        .meta({ pattern: "^/" }),
    )
    .meta(
      describe(
        "Absolute directories inside which a catalog entity's test.repo may be a local directory (default: none; the catalog names remote repositories only)",
      ),
    )
    .optional(),
});

export const alertsSchema = z.strictObject({
  notify: handles
    .meta(
      describe(
        'Who monitors notify, for every service: "@slack-perf", "@pagerduty-web", "@someone@example.com"',
      ),
    )
    .optional(),
  notify_by_team: z
    .record(name("a team name"), handles)
    .meta(
      describe(
        'Who monitors notify for the services of a team (services[].team): { "checkout": ["@slack-checkout"] }',
      ),
    )
    .optional(),
  regression_metric: z
    .string()
    .min(1)
    .meta(
      describe(
        'Compared metric the regression monitor watches: client.latency_ms.p50/p95/p99, client.error_rate, client.rps or server.<query name> (default "client.latency_ms.p95")',
      ),
    )
    .optional(),
  regression_pct: z
    .number()
    .positive()
    .meta(describe("Change in percent beyond which a regression alerts (default 10)"))
    .optional(),
  error_rate_pct: z
    .number()
    .positive()
    .max(100)
    .meta(describe("Load-test error rate in percent that alerts (default 5)"))
    .optional(),
  stale_hours: z
    .number()
    .positive()
    .max(168)
    .meta(describe("Alert when a service has no run for this many hours (default 6)"))
    .optional(),
});

// Datadog Deployment Gates (docs/verify.md): opt-in, since a gate changes what deploy pipelines wait for.
const gateService = z
  .string({ error: (i) => `expected a service name or name/env, got ${got(i.input)}` })
  .refine((text) => text.split("/").length <= 2 && text.split("/").every(isValidName), {
    error: (i) => `expected a service name or name/env (${NAME_RULE}), got ${got(i.input)}`,
  });
const MAX_GATE_DURATION_MS = 2 * 3_600_000;
export const deploymentGatesSchema = z.union(
  [
    z.boolean().meta(describe("true: a gate for every configured service/env, with the defaults")),
    z.strictObject({
      services: z
        .array(gateService)
        .meta(describe('Only these services ("kinto" for all its envs, "kinto/prod" for one; default: all)'))
        .optional(),
      identifier: name("a gate identifier")
        .meta(
          describe(
            'The gate\'s identifier, with its service and env its identity in Datadog (default "dogdriver"; "default" adds the rule to the gate `datadog-ci deployment gate` evaluates without --identifier)',
          ),
        )
        .optional(),
      dry_run: z
        .boolean()
        .meta(describe("The rule is evaluated and shown but never fails the gate (default false)"))
        .optional(),
      duration: duration
        .refine((text) => (parseDurationMs(text) ?? 0) <= MAX_GATE_DURATION_MS, {
          error: (i) => `expected a duration of at most 2h (Datadog's limit), got ${got(i.input)}`,
        })
        .meta(
          describe(
            'How long an evaluation watches the monitor, at most "2h"; "0s" (the default) reads its state once',
          ),
        )
        .optional(),
    }),
  ],
  {
    error: (i) => `expected true, false or { services, identifier, dry_run, duration }, got ${got(i.input)}`,
  },
);

export const configFileSchema = z.strictObject({
  $schema: z.string().meta(describe("JSON Schema of this file, for editors")).optional(),
  store: storeUrl
    .meta(describe('Run store: file://DIR or s3://bucket/prefix (default "file://./.dogdriver")'))
    .optional(),
  source: name("a source name")
    .meta(describe("Where the runner runs; runs are compared only within a source (default: the host name)"))
    .optional(),
  location: name("a location name")
    .meta(describe("Another name for `source` (the Datadog tag it becomes is `location`)"))
    .optional(),
  settle: duration.meta(describe('How old a run must be before it is aggregated (default "10m")')).optional(),
  store_concurrency: z
    .number()
    .int()
    .min(1)
    .max(64)
    .meta(describe("Store requests `aggregate` keeps in flight at once (default 16)"))
    .optional(),
  spool: z
    .string({ error: (i) => `expected a directory, got ${got(i.input)}` })
    .min(1)
    .refine((text) => !/[\0\n\r]/.test(text), { error: (i) => `expected a directory, got ${got(i.input)}` })
    .meta(
      describe(
        'Directory where finished runs wait when the store cannot take them; put it on a persistent volume (DOGDRIVER_SPOOL_DIR wins; default "./.dogdriver-spool")',
      ),
    )
    .optional(),
  schedule: z
    .strictObject({
      run: cron.meta(describe('Cron expression for `run --all` (default "*/30 * * * *")')).optional(),
      aggregate: cron.meta(describe('Cron expression for `aggregate` (default "*/5 * * * *")')).optional(),
    })
    .optional(),
  services: z.array(serviceSchema).meta(describe("The deployed services to load-test")).optional(),
  alerts: alertsSchema.meta(describe("Release-regression and health monitors")).optional(),
  deployment_gates: deploymentGatesSchema
    .meta(
      describe(
        "provision also makes a Datadog Deployment Gate per service/env whose monitor rule reads the regression monitor (opt-in; docs/verify.md)",
      ),
    )
    .optional(),
  verdicts: z
    .strictObject({
      equivalence_pct: equivalencePct
        .meta(
          describe(
            '"No change" when the 95% interval of a release\'s change lies within ± this many percent (default 10)',
          ),
        )
        .optional(),
    })
    .meta(describe("How release verdicts are decided (docs/verdicts.md)"))
    .optional(),
  endpoints: z
    .strictObject({
      max: z
        .number({ error: (i) => `expected a whole number from 1 to 100, got ${got(i.input)}` })
        .int({ error: (i) => `expected a whole number from 1 to 100, got ${got(i.input)}` })
        .min(1, { error: (i) => `expected a whole number from 1 to 100, got ${got(i.input)}` })
        .max(100, { error: (i) => `expected a whole number from 1 to 100, got ${got(i.input)}` })
        .meta(
          describe(
            'Endpoints a run record keeps, most requests first; the rest are merged into one "other" entry (default 20)',
          ),
        )
        .optional(),
      monitors: z
        .boolean()
        .meta(describe("Also provision a release-regression monitor per endpoint (default false)"))
        .optional(),
    })
    .meta(describe("Per-endpoint results of the load test (docs/run-record.md)"))
    .optional(),
  metrics: z
    .strictObject({
      include: z
        .array(metricPattern)
        .meta(describe('Push only these dogdriver.* metrics ("*" matches any characters; default: all)'))
        .optional(),
      exclude: z
        .array(metricPattern)
        .meta(describe('Never push these, e.g. ["dogdriver.run.latency.p75", "dogdriver.run.server.*"]'))
        .optional(),
    })
    .meta(describe("Which metrics aggregate pushes to Datadog: each one is billed per tag combination"))
    .optional(),
  discover: discoverSchema.meta(describe("Services found in Datadog's Software Catalog")).optional(),
  datadog: z
    .strictObject({
      site: z
        .string()
        .regex(/^[a-z0-9.-]+$/, {
          error: (i) => `expected a Datadog site such as "datadoghq.eu", got ${got(i.input)}`,
        })
        .meta(describe('Datadog site, e.g. "datadoghq.eu" (DD_SITE wins)'))
        .optional(),
    })
    .optional(),
});

export type ConfigFile = z.infer<typeof configFileSchema>;
