import { readFile } from "node:fs/promises";
import { isAbsolute, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import { DogdriverError } from "../errors.js";
import { safeText } from "../text/safe-text.js";
import { notComparedMetric } from "./compared-metrics.js";
import { VERDICT_DEFAULTS } from "./defaults.js";
import { deploymentGatesFrom } from "./deployment-gates.js";
import { parseDurationMs } from "./duration.js";
import { describeIssues, got } from "./issues.js";
import { isValidName, NAME_RULE } from "./names.js";
import { type ConfigFile, configFileSchema } from "./schema.js";
import type { AlertsConfig, Config, ServiceConfig, VersionSource } from "./types.js";

export const DEFAULT_CONFIG_NAMES = [
  "dogdriver.config.json",
  "dogdriver.config.yaml",
  "dogdriver.config.yml",
];

export const DEFAULTS = {
  store: "file://./.dogdriver",
  settle: "10m",
  storeConcurrency: 16,
  schedule: { run: "*/30 * * * *", aggregate: "*/5 * * * *" },
  testName: "dogdriver",
  endpoints: { max: 20, monitors: false },
  /**
   * endpoint_query: true. Datadog's APM trace metric of HTTP server spans, in seconds, grouped by resource; "* 1000"
   * makes it milliseconds, the unit of every latency in a run record. A service whose tracer names its spans
   * otherwise (flask.request, express.request) writes its own query.
   */
  endpointQuery: "avg:trace.http.request.duration{service:{service},env:{env}} by {resource_name} * 1000",
  alerts: {
    notify: [],
    notifyByTeam: {},
    regressionMetric: "client.latency_ms.p95",
    regressionPct: 10,
    errorRatePct: 5,
    staleHours: 6,
  } satisfies AlertsConfig,
} as const;

/** What outranks the file: environment variables, then command-line flags. */
export interface ConfigOverrides {
  store?: string;
  source?: string;
  settle?: string;
}

export interface LoadConfigInput {
  /** --config, when given: then the file must exist. */
  file?: string;
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
  hostname: string;
  flags?: ConfigOverrides;
  /** Used instead of a file when none is given and none is found (the demo's embedded config). */
  fallback?: ConfigFile;
}

const readIfExists = async (path: string): Promise<string | undefined> => {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new DogdriverError(
      "invalid_config",
      `${path}: cannot read the configuration (${(error as Error).message})`,
    );
  }
};

/**
 * How deep objects and lists may nest. A real configuration nests five levels; a deeper document is refused with
 * a message (before parsing for [ and {, after it for YAML's indented blocks) rather than let it end in a stack
 * overflow.
 */
export const MAX_CONFIG_DEPTH = 64;

/**
 * The deepest nesting of [ and { outside quoted strings and comments: JSON's arrays and objects, YAML's flow
 * collections (valid JSON has no ' or # outside strings, so one scan reads both). Neither parser is given a deep
 * document: a deep one ends in a stack overflow, in validation (JSON) or in the yaml package's recursive parser,
 * and an overflow inside V8's regular expression compiler kills the process ("RegExpCompiler Allocation failed")
 * instead of throwing. Braces in a YAML plain scalar (a query's {service:...}) count too: a few levels, far under
 * the limit.
 */
const nestingDepth = (text: string): number => {
  let depth = 0;
  let deepest = 0;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (quote === '"') {
      if (c === "\\") i += 1;
      else if (c === '"') quote = undefined;
    } else if (quote === "'") {
      if (c === "'") quote = undefined; // '' inside is an escaped quote: closing and reopening reads the same
    } else if ((c === '"' || c === "'") && (i === 0 || " \t\r\n[{,:-?".includes(text[i - 1] ?? "")))
      quote = c; // a quote opens a scalar only where one can start (it's in a plain scalar is text)
    else if (c === "#" && (i === 0 || " \t\r\n".includes(text[i - 1] ?? ""))) {
      const end = text.indexOf("\n", i);
      i = end < 0 ? text.length : end;
    } else if (c === "{" || c === "[") deepest = Math.max(deepest, ++depth);
    else if (c === "}" || c === "]") depth -= 1;
  }
  return deepest;
};

/** The deepest nesting of a parsed value, without recursion (the value may be as deep as the parser allowed). */
const valueDepth = (root: unknown): number => {
  let deepest = 0;
  const stack: [unknown, number][] = [[root, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop() as [unknown, number];
    if (node === null || typeof node !== "object") continue;
    deepest = Math.max(deepest, depth + 1);
    if (deepest > MAX_CONFIG_DEPTH) return deepest;
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return deepest;
};

const tooDeep = (file: string, what: string) =>
  new DogdriverError(
    "invalid_config",
    `${file}: not valid ${what}: nested deeper than ${MAX_CONFIG_DEPTH} levels (a configuration nests about five)`,
  );

const parseText = (file: string, text: string): unknown => {
  const yaml = /\.ya?ml$/i.test(file);
  if (nestingDepth(text) > MAX_CONFIG_DEPTH) throw tooDeep(file, yaml ? "YAML" : "JSON");
  let value: unknown;
  try {
    value = yaml ? parseYaml(text) : JSON.parse(text);
  } catch (error) {
    const what = /\.ya?ml$/i.test(file) ? "YAML" : "JSON";
    throw new DogdriverError(
      "invalid_config",
      `${file}: not valid ${what}: ${safeText((error as Error).message.split("\n")[0] ?? "", 200)}`,
    );
  }
  if (yaml && valueDepth(value) > MAX_CONFIG_DEPTH) throw tooDeep(file, "YAML");
  return value;
};

/** Finds, reads, validates and completes the configuration; every problem is reported at once (exit 3). */
export const loadConfig = async (input: LoadConfigInput): Promise<Config> => {
  let file = "defaults";
  let raw: unknown = input.fallback ?? {};
  if (input.file !== undefined) {
    const path = isAbsolute(input.file) ? input.file : resolve(input.cwd, input.file);
    const text = await readIfExists(path);
    if (text === undefined)
      throw new DogdriverError("invalid_config", `${input.file}: configuration file not found`);
    file = input.file;
    raw = parseText(file, text);
  } else {
    for (const candidate of DEFAULT_CONFIG_NAMES) {
      const text = await readIfExists(resolve(input.cwd, candidate));
      if (text !== undefined) {
        file = candidate;
        raw = parseText(file, text);
        break;
      }
    }
  }
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    const what =
      raw === null ? "null (an empty document)" : Array.isArray(raw) ? "a list" : `${typeof raw} ${got(raw)}`;
    throw new DogdriverError(
      "invalid_config",
      `${file}: expected a mapping of configuration keys (store, services, ...) at the top, got ${what}`,
    );
  }
  return validateConfig(raw, file, input);
};

/** Validates an already parsed configuration object (exported for tests and `check`). */
export const validateConfig = (
  raw: unknown,
  file: string,
  input: Pick<LoadConfigInput, "env" | "hostname" | "flags">,
): Config => {
  const problems: string[] = [];
  // reportInput: messages quote what was given ("expected a list, got \"kinto\"").
  const parsed = configFileSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) problems.push(...describeIssues(configFileSchema, parsed.error.issues));

  const overrides: [keyof ConfigOverrides, string | undefined, string][] = [
    ["store", input.env.DOGDRIVER_STORE, "DOGDRIVER_STORE"],
    ["source", input.env.DOGDRIVER_SOURCE, "DOGDRIVER_SOURCE"],
    ["settle", input.env.DOGDRIVER_SETTLE, "DOGDRIVER_SETTLE"],
    ["store", input.flags?.store, "--store"],
    ["source", input.flags?.source, "--source"],
    ["settle", input.flags?.settle, "--settle"],
  ];
  const merged: Record<string, unknown> = parsed.success ? { ...parsed.data } : {};
  const flagProblems: string[] = [];
  for (const [key, value, origin] of overrides) {
    if (value === undefined || value === "") continue;
    const check = configFileSchema.shape[key].safeParse(value);
    if (check.success) merged[key] = value;
    else
      (origin.startsWith("--") ? flagProblems : problems).push(
        `${origin}: ${check.error.issues[0]?.message ?? "invalid"}`,
      );
  }
  // A wrong flag is the command line's fault, not the file's: a usage error (exit 2) that names the flag.
  const [firstFlagProblem, ...otherFlagProblems] = flagProblems;
  if (firstFlagProblem !== undefined)
    throw new DogdriverError("usage", firstFlagProblem, { details: otherFlagProblems });

  const data = merged as ConfigFile;
  const services = (data.services ?? []).map((service, index) => toService(service, index));
  // Checked on the raw entries, so a duplicate is reported together with any other mistake in the file.
  const rawServices = (raw as { services?: unknown } | null)?.services;
  const seen = new Map<string, number>();
  (Array.isArray(rawServices) ? rawServices : []).forEach(
    (service: { name?: unknown; env?: unknown }, index) => {
      if (typeof service?.name !== "string" || typeof service?.env !== "string") return;
      const key = `${service.name}/${service.env}`;
      const first = seen.get(key);
      if (first !== undefined) {
        problems.push(
          `services[${index}]: duplicates services[${first}] (service "${service.name}", env "${service.env}")`,
        );
      } else seen.set(key, index);
    },
  );

  const hostSource = input.hostname
    .toLowerCase()
    .replace(/[^a-z0-9_.-]/g, "-")
    .replace(/^[^a-z0-9]+/, "")
    .slice(0, 100);
  // `location` names the same thing as `source` (the tag it becomes): one of them, or both the same.
  const inFile = parsed.success ? parsed.data : {};
  if (inFile.location !== undefined && inFile.source !== undefined && inFile.location !== inFile.source)
    problems.push(
      `location: "${inFile.location}" differs from source "${inFile.source}"; they name the same thing`,
    );
  const source = data.source ?? data.location ?? (isValidName(hostSource) ? hostSource : "default");

  // A metric no comparison is made on would leave the regression monitor silent for good.
  const regressionMetric = data.alerts?.regression_metric;
  const notCompared =
    regressionMetric === undefined
      ? undefined
      : notComparedMetric(
          regressionMetric,
          services.flatMap((s) => Object.keys(s.queries)),
        );
  if (notCompared !== undefined) problems.push(`alerts.regression_metric: ${notCompared}`);
  const { gates: deploymentGates, problems: gateProblems } = deploymentGatesFrom(
    data.deployment_gates,
    services,
  );
  problems.push(...gateProblems);

  if (problems.length > 0) {
    throw new DogdriverError(
      "invalid_config",
      `${file}: invalid configuration (${problems.length} problem${problems.length === 1 ? "" : "s"})`,
      { details: problems },
    );
  }

  const alerts = data.alerts ?? {};
  return {
    file,
    store: data.store ?? DEFAULTS.store,
    source,
    settleMs: parseDurationMs(data.settle ?? DEFAULTS.settle) ?? 600_000,
    storeConcurrency: data.store_concurrency ?? DEFAULTS.storeConcurrency,
    ...(data.spool === undefined ? {} : { spoolDir: data.spool }),
    schedule: { ...DEFAULTS.schedule, ...data.schedule },
    services,
    alerts: {
      notify: alerts.notify ?? [...DEFAULTS.alerts.notify],
      notifyByTeam: { ...alerts.notify_by_team },
      regressionMetric: alerts.regression_metric ?? DEFAULTS.alerts.regressionMetric,
      regressionPct: alerts.regression_pct ?? DEFAULTS.alerts.regressionPct,
      errorRatePct: alerts.error_rate_pct ?? DEFAULTS.alerts.errorRatePct,
      staleHours: alerts.stale_hours ?? DEFAULTS.alerts.staleHours,
    },
    ...(deploymentGates === undefined ? {} : { deploymentGates }),
    verdicts: { equivalencePct: data.verdicts?.equivalence_pct ?? VERDICT_DEFAULTS.detectPct },
    endpoints: {
      max: data.endpoints?.max ?? DEFAULTS.endpoints.max,
      monitors: data.endpoints?.monitors ?? DEFAULTS.endpoints.monitors,
    },
    metrics: { include: [...(data.metrics?.include ?? [])], exclude: [...(data.metrics?.exclude ?? [])] },
    datadogSite: data.datadog?.site,
    ...(data.discover === undefined
      ? {}
      : {
          discover: {
            datadog: data.discover.datadog,
            owners: data.discover.owners ?? [],
            tags: data.discover.tags ?? [],
            kinds: data.discover.kinds ?? ["service"],
            localRepoDirs: data.discover.local_repo_dirs ?? [],
          },
        }),
  };
};

/** A validated service entry as the runner takes it (defaults applied); also used for catalog entries. */
export const toService = (
  service: NonNullable<ConfigFile["services"]>[number],
  _index = 0,
): ServiceConfig => {
  const endpoint = service.endpoint.replace(/\/+$/, "");
  let version: VersionSource;
  if (typeof service.version === "string") version = { fixed: service.version };
  else
    version = {
      url: service.version?.url ?? `${endpoint}/__version__`,
      field: service.version?.field ?? "version",
    };
  const timeoutMs = service.test.timeout === undefined ? undefined : parseDurationMs(service.test.timeout);
  return {
    name: service.name,
    env: service.env,
    endpoint,
    version,
    test: {
      repo: service.test.repo,
      name: service.test.name ?? DEFAULTS.testName,
      ...(service.test.ref === undefined ? {} : { ref: service.test.ref }),
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
    },
    queries: { ...service.queries },
    ...(service.topology_query === undefined ? {} : { topologyQuery: service.topology_query }),
    ...(service.endpoint_query === undefined
      ? {}
      : {
          endpointQuery: service.endpoint_query === true ? DEFAULTS.endpointQuery : service.endpoint_query,
        }),
    ...(service.team === undefined ? {} : { team: service.team }),
    ...(service.equivalence_pct === undefined ? {} : { equivalencePct: service.equivalence_pct }),
    notify: [...(service.notify ?? [])],
  };
};

export { NAME_RULE };
