import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify as toYaml } from "yaml";
import { main } from "../../src/cli/main.js";
import { loadConfig, validateConfig } from "../../src/config/load.js";
import { isDogdriverError } from "../../src/errors.js";
import { testDeps } from "../support/deps.js";

// The docs/contract.md example.
const CONTRACT_EXAMPLE = {
  store: "file://./.dogdriver",
  source: "eu-west-runner-1",
  settle: "10m",
  schedule: { run: "*/30 * * * *", aggregate: "*/5 * * * *" },
  services: [
    {
      name: "kinto",
      env: "stage",
      endpoint: "https://kinto.stage.example.com",
      version: { url: "https://kinto.stage.example.com/__version__", field: "version" },
      test: { repo: "https://github.com/example/kinto-loadtests", name: "dogdriver", ref: "main" },
      queries: {
        latency_ms: "avg:trace.http.request.duration{service:{service},env:{env}} * 1000",
        cpu_pct: "avg:system.cpu.user{service:{service},env:{env}}",
      },
      topology_query: "count_nonzero(avg:system.cpu.user{service:{service},env:{env}} by {host})",
    },
  ],
};

const MISTAKES = {
  stor: "file://./x",
  settle: "10 minutes",
  services: [
    {
      name: "Kinto",
      env: "stage",
      endpoint: "kinto",
      test: { repo: 42, nme: "dogdriver" },
      queries: { "Latency-MS": "avg:x{*}" },
    },
    {
      name: "web",
      env: "prod",
      endpoint: "https://web.example.com",
      test: { repo: "." },
      version: { feild: "v" },
    },
    { name: "web", env: "prod", endpoint: "https://web.example.com", test: { repo: "." } },
  ],
  alerts: { notify: ["slack-perf"] },
};

const EXPECTED_LINES = [
  'stor: unknown key (did you mean "store"?)',
  'settle: expected a duration such as "10m", "30s" or "1h", at most 7d, got "10 minutes"',
  "services[0].name: expected a service name (lowercase letters, digits, '_', '.' or '-', starting with a letter or digit, at most 100 characters), got \"Kinto\"",
  'services[0].endpoint: expected an http(s) URL, got "kinto"',
  "services[0].test.repo: expected a git URL or a directory, got 42",
  'services[0].test.nme: unknown key (did you mean "name"?)',
  "services[0].queries.Latency-MS: expected a query name of lowercase letters, digits and '_', got \"Latency-MS\"",
  'services[1].version.feild: unknown key (did you mean "field"?)',
  'services[2]: duplicates services[1] (service "web", env "prod")',
  'alerts.notify[0]: expected a handle such as "@slack-perf", got "slack-perf"',
];

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "dogdriver-config-"));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

const folder = async (name: string, files: Record<string, string>): Promise<string> => {
  const path = join(dir, name);
  await rm(path, { recursive: true, force: true });
  const { mkdir } = await import("node:fs/promises");
  await mkdir(path, { recursive: true });
  for (const [file, text] of Object.entries(files)) await writeFile(join(path, file), text);
  return path;
};

const cli = async (cwd: string, argv: string[], env: Record<string, string> = {}) => {
  const deps = testDeps({ cwd, env });
  return {
    code: await main(argv, deps, "0.0.0-test"),
    stderr: deps.stderr.text(),
    stdout: deps.stdout.text(),
  };
};

describe("configuration errors", () => {
  it.each([
    ["dogdriver.config.json", JSON.stringify(MISTAKES, null, 2)],
    ["dogdriver.config.yaml", toYaml(MISTAKES)],
  ])("reports every mistake of %s with its path, exit 3", async (file, text) => {
    const cwd = await folder(`mistakes-${file}`, { [file]: text });
    const { code, stderr } = await cli(cwd, ["export"]);
    expect(code).toBe(3);
    const lines = stderr.trimEnd().split("\n");
    expect(lines[0]).toBe(`dogdriver: ${file}: invalid configuration (${EXPECTED_LINES.length} problems)`);
    expect(
      lines
        .slice(1)
        .map((l) => l.trim())
        .sort(),
    ).toEqual([...EXPECTED_LINES].sort());
  });

  it("names the file and the parser's complaint for a syntax error", async () => {
    const json = await folder("bad-json", { "dogdriver.config.json": '{"store": "file://x",}' });
    const yaml = await folder("bad-yaml", { "dogdriver.config.yml": "store: [unclosed\n" });
    const a = await cli(json, ["export"]);
    expect(a.code).toBe(3);
    expect(a.stderr).toMatch(/^dogdriver: dogdriver\.config\.json: not valid JSON: /);
    const b = await cli(yaml, ["export"]);
    expect(b.code).toBe(3);
    expect(b.stderr).toMatch(/^dogdriver: dogdriver\.config\.yml: not valid YAML: /);
  });

  it("refuses a --config file that does not exist, and wrong types with what was given", async () => {
    const cwd = await folder("missing", {});
    const missing = await cli(cwd, ["export", "--config", "nope.yaml"]);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/nope\.yaml: configuration file not found/);
    const problems = (raw: unknown) => {
      try {
        validateConfig(raw, "f.json", { env: {}, hostname: "h" });
        return [];
      } catch (error) {
        expect(isDogdriverError(error) && error.code).toBe("invalid_config");
        return (error as { details: string[] }).details;
      }
    };
    expect(problems([])).toEqual(["(top level): expected an object, got []"]);
    expect(problems({ services: "kinto" })).toEqual(['services: expected a list, got "kinto"']);
    expect(problems({ datadog: { site: "DATADOGHQ.COM" } })).toEqual([
      'datadog.site: expected a Datadog site such as "datadoghq.eu", got "DATADOGHQ.COM"',
    ]);
    expect(problems({ services: [{ ...CONTRACT_EXAMPLE.services[0], version: 42 }] })).toEqual([
      'services[0].version: expected a fixed version string or { "url", "field" }, got 42',
    ]);
    // The regression monitor watches a compared metric, or it would never fire: a configured server query is one.
    expect(problems({ ...CONTRACT_EXAMPLE, alerts: { regression_metric: "server.cpu_pct" } })).toEqual([]);
    expect(problems({ ...CONTRACT_EXAMPLE, alerts: { regression_metric: "client.latency_ms.p90" } })).toEqual(
      [
        'alerts.regression_metric: "client.latency_ms.p90" is not a metric releases are compared on (client.latency_ms.p50, client.latency_ms.p95, client.latency_ms.p99, client.error_rate, client.rps, server.cpu_pct, server.latency_ms)',
      ],
    );
  });

  it("checks environment variables like the file, naming the variable (exit 3)", async () => {
    const cwd = await folder("bad-overrides", {});
    const { code, stderr } = await cli(cwd, ["export"], { DOGDRIVER_SETTLE: "soon" });
    expect(code).toBe(3);
    expect(stderr).toContain(
      'DOGDRIVER_SETTLE: expected a duration such as "10m", "30s" or "1h", at most 7d, got "soon"',
    );
  });

  it("takes `location` for `source` (the tag it becomes); both must agree, and the environment still wins", () => {
    const load = (raw: object, env: Record<string, string> = {}) =>
      validateConfig(raw, "c.json", { env, hostname: "h" }).source;
    expect(load({ location: "eu-west-1" })).toBe("eu-west-1");
    expect(load({ location: "eu-west-1", source: "eu-west-1" })).toBe("eu-west-1");
    expect(load({ location: "eu-west-1" }, { DOGDRIVER_SOURCE: "ci" })).toBe("ci");
    expect(() => load({ location: "eu-west-1", source: "us-east-1" })).toThrow(
      expect.objectContaining({
        details: ['location: "eu-west-1" differs from source "us-east-1"; they name the same thing'],
      }),
    );
  });

  it("blames a wrong flag, not the configuration file: a usage error (exit 2) naming the flag", async () => {
    const cwd = await folder("bad-flags", { "dogdriver.config.json": "{}" });
    const store = await cli(cwd, ["export", "--store", "http://bucket"], { DOGDRIVER_SETTLE: "soon" });
    expect(store.code).toBe(2);
    expect(store.stderr).toBe(
      'dogdriver: --store: expected file://DIR or s3://bucket/prefix, got "http://bucket"\n',
    );
    const settle = await cli(cwd, ["aggregate", "--settle", "10"]);
    expect(settle.code).toBe(2);
    expect(settle.stderr).toMatch(/^dogdriver: --settle: expected a duration .*got "10"\n$/);
    expect(settle.stderr).not.toContain("dogdriver.config.json");
  });
});

describe("configuration values", () => {
  it("accepts the docs/contract.md example and fills in defaults", () => {
    const config = validateConfig(CONTRACT_EXAMPLE, "c.json", { env: {}, hostname: "h" });
    expect(config.services[0]).toMatchObject({
      name: "kinto",
      version: { url: "https://kinto.stage.example.com/__version__", field: "version" },
      test: { repo: "https://github.com/example/kinto-loadtests", name: "dogdriver", ref: "main" },
      topologyQuery: CONTRACT_EXAMPLE.services[0]?.topology_query,
    });
    const minimal = validateConfig(
      {
        services: [
          { name: "web", env: "prod", endpoint: "https://web.example.com/", test: { repo: "./lt" } },
        ],
      },
      "m.json",
      { env: {}, hostname: "Build_Host.Example.COM" },
    );
    expect(minimal).toEqual({
      file: "m.json",
      store: "file://./.dogdriver",
      source: "build_host.example.com",
      settleMs: 600_000,
      storeConcurrency: 16,
      verdicts: { equivalencePct: 10 },
      schedule: { run: "*/30 * * * *", aggregate: "*/5 * * * *" },
      services: [
        {
          name: "web",
          env: "prod",
          endpoint: "https://web.example.com",
          version: { url: "https://web.example.com/__version__", field: "version" },
          test: { repo: "./lt", name: "dogdriver" },
          queries: {},
          notify: [],
        },
      ],
      alerts: {
        notify: [],
        notifyByTeam: {},
        regressionMetric: "client.latency_ms.p95",
        regressionPct: 10,
        errorRatePct: 5,
        staleHours: 6,
      },
      endpoints: { max: 20, monitors: false },
      metrics: { include: [], exclude: [] },
      datadogSite: undefined,
    });
    const fixed = validateConfig(
      { services: [{ name: "w", env: "p", endpoint: "http://w", version: "2.0.1", test: { repo: "." } }] },
      "f.json",
      { env: {}, hostname: "h" },
    );
    expect(fixed.services[0]?.version).toEqual({ fixed: "2.0.1" });
  });

  it("reads endpoints.max, endpoints.monitors and endpoint_query (true: the default APM query)", () => {
    const base = { name: "w", env: "p", endpoint: "http://w", test: { repo: "." } };
    const config = validateConfig(
      {
        endpoints: { max: 5, monitors: true },
        services: [
          { ...base, endpoint_query: true },
          {
            ...base,
            env: "q",
            endpoint_query: "avg:trace.flask.request.duration{service:{service}} by {resource_name} * 1000",
          },
          { ...base, env: "r" },
        ],
      },
      "e.json",
      { env: {}, hostname: "h" },
    );
    expect(config.endpoints).toEqual({ max: 5, monitors: true });
    expect(config.services.map((s) => s.endpointQuery)).toEqual([
      "avg:trace.http.request.duration{service:{service},env:{env}} by {resource_name} * 1000",
      "avg:trace.flask.request.duration{service:{service}} by {resource_name} * 1000",
      undefined,
    ]);
    const problems = (raw: unknown): string[] => {
      try {
        validateConfig(raw, "bad.json", { env: {}, hostname: "h" });
        return [];
      } catch (error) {
        return isDogdriverError(error) ? [...(error.details ?? [])] : [String(error)];
      }
    };
    expect(
      problems({
        endpoints: { max: 0, monitors: "yes" },
        services: [
          { ...base, endpoint_query: "avg:trace.http.request.duration{*}" },
          { ...base, env: "q", endpoint_query: false, queries: { endpoint_query: "avg:x{*}" } },
        ],
      }),
    ).toEqual([
      'services[0].endpoint_query: expected a Datadog metric query grouped by one tag, e.g. "avg:trace.http.request.duration{service:{service},env:{env}} by {resource_name} * 1000", got "avg:trace.http.request.duration{*}"',
      'services[1].queries.endpoint_query: the query name "endpoint_query" is reserved (use the service\'s endpoint_query key)',
      'services[1].endpoint_query: expected true (the default APM query) or a Datadog metric query grouped by one tag, e.g. "avg:trace.http.request.duration{service:{service},env:{env}} by {resource_name} * 1000", got false',
      "endpoints.max: expected a whole number from 1 to 100, got 0",
      'endpoints.monitors: expected true or false, got "yes"',
    ]);
  });

  it("reads deployment_gates: off unless asked for, true for every service/env, or its settings", () => {
    const base = { name: "w", env: "p", endpoint: "http://w", test: { repo: "." } };
    const read = (gates: unknown) =>
      validateConfig(
        {
          services: [base, { ...base, env: "q" }],
          ...(gates === undefined ? {} : { deployment_gates: gates }),
        },
        "g.json",
        { env: {}, hostname: "h" },
      ).deploymentGates;
    expect(read(undefined)).toBeUndefined();
    expect(read(false)).toBeUndefined();
    expect(read(true)).toEqual({ services: [], identifier: "dogdriver", dryRun: false, durationSeconds: 0 });
    expect(read({ services: ["w/q"], identifier: "default", dry_run: true, duration: "1h30m" })).toEqual({
      services: ["w/q"],
      identifier: "default",
      dryRun: true,
      durationSeconds: 5400,
    });
    const problems = (gates: unknown): string[] => {
      try {
        read(gates);
        return [];
      } catch (error) {
        return isDogdriverError(error) ? [...(error.details ?? [])] : [String(error)];
      }
    };
    expect(problems({ duration: "3h", identifier: "Dog Driver", services: ["w/p/x", "web"] })).toEqual([
      "deployment_gates.services[0]: expected a service name or name/env (lowercase letters, digits, '_', '.' or '-', starting with a letter or digit, at most 100 characters), got \"w/p/x\"",
      "deployment_gates.identifier: expected a gate identifier (lowercase letters, digits, '_', '.' or '-', starting with a letter or digit, at most 100 characters), got \"Dog Driver\"",
      'deployment_gates.duration: expected a duration of at most 2h (Datadog\'s limit), got "3h"',
    ]);
    expect(problems("yes")).toEqual([
      'deployment_gates: expected true, false or { services, identifier, dry_run, duration }, got "yes"',
    ]);
  });

  it("ranks defaults < file < environment < flags", async () => {
    const file = { store: "file://from-file", source: "file-source", settle: "20m" };
    const cwd = await folder("precedence", { "dogdriver.config.yaml": toYaml(file) });
    const base = { cwd, hostname: "host" };
    const none = await loadConfig({ cwd: await folder("empty", {}), env: {}, hostname: "host" });
    expect([none.store, none.source, none.settleMs, none.file]).toEqual([
      "file://./.dogdriver",
      "host",
      600_000,
      "defaults",
    ]);
    const fromFile = await loadConfig({ ...base, env: {} });
    expect([fromFile.store, fromFile.source, fromFile.settleMs, fromFile.file]).toEqual([
      "file://from-file",
      "file-source",
      1_200_000,
      "dogdriver.config.yaml",
    ]);
    const env = {
      DOGDRIVER_STORE: "s3://env-bucket/x",
      DOGDRIVER_SOURCE: "env-source",
      DOGDRIVER_SETTLE: "30m",
    };
    const fromEnv = await loadConfig({ ...base, env });
    expect([fromEnv.store, fromEnv.source, fromEnv.settleMs]).toEqual([
      "s3://env-bucket/x",
      "env-source",
      1_800_000,
    ]);
    const fromFlags = await loadConfig({
      ...base,
      env,
      flags: { store: "file://flag", source: "flag-source", settle: "1h" },
    });
    expect([fromFlags.store, fromFlags.source, fromFlags.settleMs]).toEqual([
      "file://flag",
      "flag-source",
      3_600_000,
    ]);
    // An empty variable is unset, not an empty value.
    const emptyEnv = await loadConfig({ ...base, env: { DOGDRIVER_STORE: "" } });
    expect(emptyEnv.store).toBe("file://from-file");
  });

  it("uses the --store flag over the file through the command line", async () => {
    const cwd = await folder("flag-store", {
      "dogdriver.config.json": JSON.stringify({ store: "file://from-file" }),
    });
    const viaFile = await cli(cwd, ["export"]);
    expect(viaFile.stderr).toMatch(/exported 0 runs from file:\/\/.*\/flag-store\/from-file/);
    const viaEnv = await cli(cwd, ["export"], { DOGDRIVER_STORE: "file://from-env" });
    expect(viaEnv.stderr).toMatch(/from file:\/\/.*\/flag-store\/from-env/);
    const viaFlag = await cli(cwd, ["export", "--store", "file://from-flag"], {
      DOGDRIVER_STORE: "file://from-env",
    });
    expect(viaFlag.stderr).toMatch(/from file:\/\/.*\/flag-store\/from-flag/);
  });

  it("finds dogdriver.config.json before .yaml and .yml, and reads --config FILE of either kind", async () => {
    const cwd = await folder("discovery", {
      "dogdriver.config.json": JSON.stringify({ source: "json" }),
      "dogdriver.config.yaml": "source: yaml\n",
      "other.yml": "source: other # a comment\n",
    });
    expect((await loadConfig({ cwd, env: {}, hostname: "h" })).source).toBe("json");
    expect((await loadConfig({ cwd, env: {}, hostname: "h", file: "other.yml" })).source).toBe("other");
    expect(
      (await loadConfig({ cwd, env: {}, hostname: "h", file: join(cwd, "dogdriver.config.yaml") })).source,
    ).toBe("yaml");
  });
});

describe("the shipped examples", () => {
  it("are valid configurations", async () => {
    const { readdir } = await import("node:fs/promises");
    const examples = new URL("../../examples/", import.meta.url);
    const files = (await readdir(examples)).filter((f) => /^dogdriver\.config\.(json|ya?ml)$/.test(f));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const config = await loadConfig({ cwd: examples.pathname, file, env: {}, hostname: "h" });
      expect(config.services.length, file).toBeGreaterThan(0);
    }
  });
});
