import { z } from "zod";
import { redactUrl } from "../text/redact-url.js";
import { parseDurationMs } from "./duration.js";
import { got } from "./issues.js";
import { isValidName, NAME_PATTERN, NAME_RULE } from "./names.js";
import { readTestRepo } from "./test-repo.js";

// The field rules the configuration file's schema (schema.ts) and a service's (service-schema.ts) share: each
// with the message a user reads and the pattern an editor checks (`.meta()`, carried into the JSON Schema).

export const name = (what: string) =>
  z
    .string({ error: (i) => `expected ${what} (${NAME_RULE}), got ${got(i.input)}` })
    .refine(isValidName, {
      error: (i) => `expected ${what} (${NAME_RULE}), got ${got(i.input)}`,
    })
    .meta({ pattern: `^(?!.*\\.\\.)${NAME_PATTERN.source.slice(1)}` });

export const duration = z
  .string({ error: (i) => `expected a duration such as "10m", "30s" or "1h", got ${got(i.input)}` })
  .refine((text) => parseDurationMs(text) !== undefined, {
    error: (i) => `expected a duration such as "10m", "30s" or "1h", at most 7d, got ${got(i.input)}`,
  })
  .meta({ pattern: "^(\\d+(\\.\\d+)?(ms|s|m|h|d))+$" });

export const httpUrl = z
  .string({ error: (i) => `expected an http(s) URL, got ${got(i.input)}` })
  .refine((text) => /^https?:\/\/[^\s/]+/.test(text) && URL.canParse(text), {
    error: (i) => `expected an http(s) URL, got ${got(i.input)}`,
  })
  .meta({ format: "uri", pattern: "^https?://[^\\s/]+" });

// A git URL (https, http, ssh, git, file, scp-like user@host:path) or a local directory; never one of git's
// transports that run programs (src/config/test-repo.ts).
export const repo = z
  .string({ error: (i) => `expected a git URL or a directory, got ${got(i.input)}` })
  .refine((text) => readTestRepo(text).kind !== "refused", {
    error: (i) => {
      const text = String(i.input);
      const read = readTestRepo(text);
      return `${read.kind === "refused" ? read.problem : "refused"}, got ${got(redactUrl(text))}`;
    },
  })
  .meta({ minLength: 1, pattern: "^(?!-)(?![A-Za-z0-9+.-]+::)" });

export const describe = (description: string) => ({ description });

// A notification handle as Datadog's monitor messages take it.
export const handles = z.array(
  z
    .string()
    .regex(/^@\S+$/, { error: (i) => `expected a handle such as "@slack-perf", got ${got(i.input)}` }),
);

// The equivalence margin of "no change" (docs/verdicts.md): a release whose 95% interval lies within ±this many
// percent of the baseline reads no_change. Below 1% no run count of a load test reaches it; above 50% a halving
// would be "no change".
export const equivalencePct = z
  .number({ error: (i) => `expected a percentage between 1 and 50, got ${got(i.input)}` })
  .min(1, { error: (i) => `expected a percentage between 1 and 50, got ${got(i.input)}` })
  .max(50, { error: (i) => `expected a percentage between 1 and 50, got ${got(i.input)}` });
