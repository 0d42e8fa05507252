import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readEntry, runEventsEntryPath } from "../../src/aggregator/outbox.js";
import { runSeries } from "../../src/aggregator/run-series.js";
import { loadCommandConfig } from "../../src/config/command-config.js";
import { checkDiscovery } from "../../src/discovery/check-discovery.js";
import { openStore } from "../../src/store/open-store.js";
import type { RunRecord } from "../../src/store/run-record.js";
import { service, smokeTest, type Workspace, workspace } from "../runner/runner-fixtures.js";
import { type Emulator, startDatadogEmulator } from "../support/datadog-emulator/index.js";
import { type HttpService, startHttpService } from "../support/http-service.js";

// Software Catalog discovery against the emulator's catalog (entity API and service-definition API, both answered
// through the official client's models), with the real runner for the discovered services that are run.

const entity = (name: string, extra: Record<string, unknown> = {}, kind = "service") => ({
  apiVersion: "v3",
  kind,
  metadata: { name, ...((extra.metadata as object) ?? {}) },
  ...Object.fromEntries(Object.entries(extra).filter(([k]) => k !== "metadata")),
});

describe("discover.datadog", () => {
  let ws: Workspace;
  let target: HttpService;
  let datadog: Emulator;
  const block = (extra: Record<string, unknown> = {}) => ({
    env: "stage",
    endpoint: target.url,
    // A local directory: allowed to the catalog by discover.local_repo_dirs (writeConfig).
    test: { repo: join(ws.dir, "smoke"), name: "dogdriver" },
    version: "1.0.0",
    ...extra,
  });
  // 30 entities: 12 valid blocks, 8 malformed, 10 without a block (or not a service).
  const catalog = () => [
    ...Array.from({ length: 11 }, (_, i) =>
      entity(`svc-${String(i).padStart(2, "0")}`, {
        metadata: { owner: i % 2 === 0 ? "storage" : "Web Platform" },
        extensions: { dogdriver: block() },
      }),
    ),
    // One entity, two envs: a list of blocks.
    entity("multi", {
      metadata: { owner: "storage" },
      extensions: { dogdriver: [block(), block({ env: "prod" })] },
    }),
    entity("bad-endpoint", { extensions: { dogdriver: block({ endpoint: "ftp://nope" }) } }),
    entity("no-test", { extensions: { dogdriver: { env: "stage", endpoint: "http://127.0.0.1:1" } } }),
    entity("typo-key", { extensions: { dogdriver: block({ endpont: "x" }) } }),
    entity("not-an-object", { extensions: { dogdriver: "yes please" } }),
    entity("bad-env", { extensions: { dogdriver: block({ env: "Stage Env" }) } }),
    entity("Upper", { extensions: { dogdriver: block() } }),
    entity("huge", { extensions: { dogdriver: block({ queries: { q: "x".repeat(20_000) } }) } }),
    entity("evil\u001b[2Jname", { extensions: { dogdriver: block({ env: 7 }) } }),
    ...Array.from({ length: 8 }, (_, i) => entity(`plain-${i}`, { extensions: { other: { a: 1 } } })),
    entity("orders-db", { extensions: { dogdriver: block() } }, "datastore"),
    entity("bare"),
  ];
  const VALID = [
    ...Array.from({ length: 11 }, (_, i) => `svc-${String(i).padStart(2, "0")}`),
    "multi",
    "multi",
    "configured",
  ];

  beforeAll(async () => {
    ws = await workspace();
    datadog = await startDatadogEmulator();
    delete ws.parts.datadog;
    target = await startHttpService({ delayMs: 1, version: "1.0.0" });
    await ws.testDir("smoke", smokeTest());
    datadog.setCatalog(catalog());
    expect(catalog()).toHaveLength(30);
  });
  afterAll(async () => {
    await Promise.all([target.close(), datadog.close(), ws.cleanup()]);
  });

  const depsWith = (env: Record<string, string> = {}) => {
    const deps = ws.deps();
    deps.env = {
      ...deps.env,
      DD_API_KEY: datadog.apiKey,
      DD_APP_KEY: datadog.appKey,
      DOGDRIVER_DD_URL: datadog.url,
      ...env,
    };
    return deps;
  };
  const writeConfig = (discover: Record<string, unknown> = { datadog: true }) =>
    ws.config({
      store: "file://./store",
      source: "ci",
      discover: { local_repo_dirs: [ws.dir], ...discover },
      services: [
        service("configured", target.url, "./smoke", { env: "stage", version: "1.0.0" }),
        // The catalog also describes svc-00/stage: the config's entry wins and says so.
        service("svc-00", target.url, "./smoke", { env: "stage", version: "9.9.9", team: "from-config" }),
      ],
    });

  it("--list gives exactly the valid services, one line per malformed block naming entity and field", async () => {
    await writeConfig();
    const deps = depsWith();
    const { exit } = await ws.run({ all: true, list: true }, deps);
    expect(exit).toBe(0);
    const lines = deps.stdout.text().trim().split("\n");
    expect(lines.map((l) => l.split(" ")[0]).sort()).toEqual([...VALID].sort());
    expect(lines).toContain(`svc-01 stage ${target.url} web-platform`);
    expect(lines).toContain(`svc-02 stage ${target.url} storage`);
    expect(lines).toContain(`svc-00 stage ${target.url} from-config`);
    expect(lines).toContain(`multi prod ${target.url} storage`);
    const stderr = deps.stderr.text();
    const problems = stderr.split("\n").filter((l) => l.includes("; skipped"));
    expect(problems.map((l) => /catalog entity "([^"]+)"/.exec(l)?.[1]).sort()).toEqual(
      [
        "bad-endpoint",
        "bad-env",
        // The ESC is written as an escape (src/text/safe-text.ts): it cannot drive the terminal.
        "evil\\u{1b}[2Jname",
        "huge",
        "no-test",
        "not-an-object",
        "typo-key",
        "Upper",
      ].sort(),
    );
    expect(stderr).toContain(
      'catalog entity "bad-endpoint": extensions.dogdriver.endpoint: expected an http(s) URL',
    );
    expect(stderr).toContain('catalog entity "no-test": extensions.dogdriver.test: expected an object');
    expect(stderr).toContain(
      'catalog entity "typo-key": extensions.dogdriver.endpont: unknown key (did you mean "endpoint"?)',
    );
    expect(stderr).toContain('catalog entity "Upper": name: not usable as a service name');
    expect(stderr).toContain('catalog entity "huge": extensions.dogdriver: ');
    expect(stderr).not.toContain("\u001b");
    expect(stderr).toContain("svc-00/stage is also in dogdriver.config.json; the config's entry is used");
    // Nothing was tested: no store, no events.
    expect(datadog.events()).toEqual([]);
    const reads = datadog.requests().filter((r) => r.path === "/api/v2/catalog/entity");
    expect(reads.at(-1)?.query).toMatchObject({ include: "schema", "filter[kind]": "service" });
  });

  it("discovered services run, and their records, metrics and events carry the owner as team", async () => {
    await writeConfig({ datadog: true, owners: ["storage"] });
    const deps = depsWith();
    const { exit } = await ws.run({ services: ["svc-02", "svc-00"] }, deps);
    expect(deps.stderr.text()).not.toContain("FAILED");
    expect(exit).toBe(0);
    const stored: RunRecord[] = [];
    for await (const record of openStore("file://./store", deps).listRuns()) stored.push(record);
    const team = Object.fromEntries(stored.map((r) => [r.service, r.team]));
    expect(team).toEqual({ "svc-02": "storage", "svc-00": "from-config" });
    const record = stored.find((r) => r.service === "svc-02") as RunRecord;
    expect(runSeries(record)[0]?.tags).toContain("team:storage");
    // Start and stop events are queued in the store's outbox for `aggregate` (run-events.ts).
    const queued = await readEntry(openStore("file://./store", deps), runEventsEntryPath(record));
    const events = queued?.entry.events.map((e) => e.event) ?? [];
    expect(events).toHaveLength(2);
    for (const event of events) expect(event.tags).toContain("team:storage");
  }, 60_000);

  it("the owners filter keeps only that team's services", async () => {
    await writeConfig({ datadog: true, owners: ["Web Platform"] });
    const deps = depsWith();
    expect((await ws.run({ all: true, list: true }, deps)).exit).toBe(0);
    const names = deps.stdout
      .text()
      .trim()
      .split("\n")
      .map((l) => l.split(" ")[0]);
    expect(names.sort()).toEqual(["configured", "svc-00", "svc-01", "svc-03", "svc-05", "svc-07", "svc-09"]);
  });

  it("reads every page, and the service-definition API where the entity API answers 404", async () => {
    const many = Array.from({ length: 250 }, (_, i) =>
      entity(`bulk-${i}`, { metadata: { owner: "bulk" }, extensions: { dogdriver: block() } }),
    );
    for (const entityApi of [true, false]) {
      datadog.reset();
      datadog.setCatalog(many, { entityApi });
      await writeConfig();
      const deps = depsWith();
      expect((await ws.run({ all: true, list: true }, deps)).exit).toBe(0);
      expect(deps.stdout.text().trim().split("\n")).toHaveLength(250 + 2);
      expect(deps.stdout.text()).toContain(`bulk-249 stage ${target.url} bulk`);
      const paths = datadog.requests().map((r) => r.path);
      if (entityApi) expect(paths.filter((p) => p === "/api/v2/catalog/entity")).toHaveLength(3);
      else expect(paths.filter((p) => p === "/api/v2/services/definitions")).toHaveLength(3);
    }
    datadog.reset();
    datadog.setCatalog(catalog());
  });

  it("check's lines: the services added, the config's overrides and a warning per malformed block", async () => {
    await writeConfig();
    const deps = depsWith();
    const config = await loadCommandConfig({}, deps);
    const { results: lines, services } = await checkDiscovery(config, deps);
    expect(lines[0]).toMatchObject({ check: "discover", status: "ok" });
    expect(lines[0]?.detail).toMatch(
      /^Software Catalog \(entity API\): 12 service\(s\) added: svc-01\/stage, /,
    );
    expect(lines.filter((l) => l.status === "warn")).toHaveLength(8);
    expect(lines.filter((l) => l.status === "fail")).toEqual([]);
    expect(services).toHaveLength(config.services.length + 12);
    const refused = await checkDiscovery(config, {
      ...deps,
      env: { ...deps.env, DD_APP_KEY: "0".repeat(40) },
    });
    expect(refused.results).toMatchObject([{ check: "discover", status: "fail" }]);
  });

  it("a wrong application key is a 403 naming the key; no key at all is refused before any call", async () => {
    await writeConfig();
    const wrong = depsWith({ DD_APP_KEY: "0".repeat(40) });
    const refused = await ws.run({ all: true, list: true }, wrong);
    expect(refused.exit).toBe(1);
    expect(refused.message).toMatch(/403/);
    expect(refused.message).not.toContain("0".repeat(40));
    expect(wrong.stdout.text()).toBe("");
    const deps = depsWith();
    deps.env = { ...deps.env, DD_APP_KEY: undefined };
    const missing = await ws.run({ all: true, list: true }, deps);
    expect(missing.exit).toBe(3);
    expect(missing.message).toContain("discover.datadog needs DD_API_KEY and DD_APP_KEY");
  });
});
