import { z } from "zod";
import { parseDurationMs } from "./duration.js";
import { isValidName, NAME_RULE } from "./names.js";

// The configuration file as users write it (snake_case, as in CONTRACT.md). src/config/load.ts turns it into
// the camelCase `Config` of ./types.ts. schema/dogdriver.config.schema.json is generated from this.

const got = (value: unknown): string => {
  const text = typeof value === "string" ? `"${value}"` : JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 60 ? `${text.slice(0, 57)}...` : text;
};

const name = (what: string) =>
  z.string({ error: (i) => `expected ${what} (${NAME_RULE}), got ${got(i.input)}` }).refine(isValidName, {
    error: (i) => `expected ${what} (${NAME_RULE}), got ${got(i.input)}`,
  });

const duration = z
  .string({ error: (i) => `expected a duration such as "10m", "30s" or "1h", got ${got(i.input)}` })
  .refine((text) => parseDurationMs(text) !== undefined, {
    error: (i) => `expected a duration such as "10m", "30s" or "1h", got ${got(i.input)}`,
  });

const httpUrl = z
  .string({ error: (i) => `expected an http(s) URL, got ${got(i.input)}` })
  .refine((text) => /^https?:\/\/[^\s/]+/.test(text) && URL.canParse(text), {
    error: (i) => `expected an http(s) URL, got ${got(i.input)}`,
  });

// A five- or six-field cron expression as node-schedule takes it; node-schedule itself checks it further.
const cron = z
  .string({ error: (i) => `expected a cron expression such as "*/30 * * * *", got ${got(i.input)}` })
  .refine((text) => /^\s*\S+(\s+\S+){4,5}\s*$/.test(text), {
    error: (i) => `expected a cron expression such as "*/30 * * * *", got ${got(i.input)}`,
  });

const storeUrl = z
  .string({ error: (i) => `expected a file:// or s3:// URL, got ${got(i.input)}` })
  .refine(
    (text) => /^file:\/\/.+/.test(text) || /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/.test(text),
    {
      error: (i) => `expected file://DIR or s3://bucket/prefix, got ${got(i.input)}`,
    },
  );

// A git URL (https, ssh, git, file, scp-like user@host:path) or a local directory. Never starting with "-":
// git would read it as an option.
const repo = z
  .string({ error: (i) => `expected a git URL or a directory, got ${got(i.input)}` })
  .refine((text) => text.length > 0 && !text.startsWith("-") && !/[\0\n\r]/.test(text), {
    error: (i) => `expected a git URL or a directory (not starting with "-"), got ${got(i.input)}`,
  });

const queryText = z.string({ error: (i) => `expected a Datadog metric query, got ${got(i.input)}` }).min(1, {
  error: "expected a Datadog metric query, got an empty string",
});

export const versionSchema = z.union(
  [
    z.string().min(1),
    z.strictObject({
      url: httpUrl.optional(),
      field: z
        .string({ error: (i) => `expected a JSON field name, got ${got(i.input)}` })
        .min(1)
        .optional(),
    }),
  ],
  { error: (i) => `expected a fixed version string or { "url", "field" }, got ${got(i.input)}` },
);

export const serviceSchema = z.strictObject({
  name: name("a service name"),
  env: name("an environment name"),
  endpoint: httpUrl,
  version: versionSchema.optional(),
  test: z.strictObject({
    repo,
    name: z
      .string({ error: (i) => `expected a test name, got ${got(i.input)}` })
      .min(1)
      .optional(),
    ref: z
      .string({ error: (i) => `expected a git ref, got ${got(i.input)}` })
      .regex(/^[^-\s][^\s]*$/, {
        error: (i) => `expected a git ref (not starting with "-"), got ${got(i.input)}`,
      })
      .optional(),
    timeout: duration.optional(),
  }),
  queries: z
    .record(
      z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, {
        error: (i) => `expected a query name of lowercase letters, digits and '_', got ${got(i.input)}`,
      }),
      queryText,
    )
    .optional(),
  topology_query: queryText.optional(),
});

export const alertsSchema = z.strictObject({
  notify: z
    .array(
      z
        .string()
        .regex(/^@\S+$/, { error: (i) => `expected a handle such as "@slack-perf", got ${got(i.input)}` }),
    )
    .optional(),
  regression_metric: z.string().min(1).optional(),
  regression_pct: z.number().positive().optional(),
  error_rate_pct: z.number().positive().max(100).optional(),
  stale_hours: z.number().positive().max(168).optional(),
});

export const configFileSchema = z.strictObject({
  $schema: z.string().optional(),
  store: storeUrl.optional(),
  source: name("a source name").optional(),
  settle: duration.optional(),
  schedule: z.strictObject({ run: cron.optional(), aggregate: cron.optional() }).optional(),
  services: z.array(serviceSchema).optional(),
  alerts: alertsSchema.optional(),
  datadog: z
    .strictObject({
      site: z
        .string()
        .regex(/^[a-z0-9.-]+$/)
        .optional(),
    })
    .optional(),
});

export type ConfigFile = z.infer<typeof configFileSchema>;
