import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, it } from "vitest";
import { readEntry, runEventsEntryPath } from "../../src/aggregator/outbox.js";
import { openStore } from "../../src/store/open-store.js";
import type { RunRecord } from "../../src/store/run-record.js";
import { type Emulator, startDatadogEmulator } from "../support/datadog-emulator/index.js";
import { testDeps } from "../support/deps.js";
import { type HttpService, startHttpService } from "../support/http-service.js";
import { GET_SCENARIO, service, smokeTest } from "./runner-fixtures.js";

// `run` and `aggregate` with Datadog keys set must not load Datadog's official client (~1.8 s and ~180 MB, issue
// 17): the built CLI runs a real Molotov test under a resolve hook that logs every module, and the log must hold no
// part of the client, also when `run` reads the Software Catalog (discover.datadog) and when `aggregate` posts to
// Datadog. The same hook over `provision` (which uses the client for dashboards and monitors) shows the check
// catches the client when it is there.

const CLI = fileURLToPath(new URL("../../dist/cli.js", import.meta.url));
const HOOK = fileURLToPath(new URL("../support/import-log/register.mjs", import.meta.url));
const CLIENT = /\/node_modules\/@datadog\/datadog-api-client\//;
const execCli = promisify(execFile);

let dir: string;
let target: HttpService;
let dd: Emulator;
beforeAll(async () => {
  [dir, target, dd] = await Promise.all([
    mkdtemp(join(tmpdir(), "dogdriver-module-graph-")),
    startHttpService({ delayMs: 5, version: "3.1.4" }),
    startDatadogEmulator(),
  ]);
});
afterAll(async () => {
  await Promise.all([target?.close(), dd?.close()]);
  await rm(dir, { recursive: true, force: true });
});

/** Runs the built CLI under the import log; returns the modules it resolved and its stderr. */
const traced = async (name: string, args: string[], cwd = dir) => {
  const log = join(dir, `${name}.imports`);
  await writeFile(log, "");
  const { stderr } = await execCli(process.execPath, ["--import", HOOK, CLI, ...args], {
    cwd,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: dir,
      DOGDRIVER_CACHE_DIR: join(dir, "cache"),
      DD_API_KEY: dd.apiKey,
      DD_APP_KEY: dd.appKey,
      DOGDRIVER_DD_URL: dd.url,
      DOGDRIVER_IMPORT_LOG: log,
    },
  });
  const modules = (await readFile(log, "utf8")).split("\n").filter(Boolean);
  return { modules, stderr };
};

it("`run` with Datadog keys loads no part of Datadog's client and queues its events for `aggregate`", async () => {
  await mkdir(join(dir, "graph-test"));
  await writeFile(join(dir, "graph-test", "molotov.json"), JSON.stringify(smokeTest({ workers: 1 })));
  await writeFile(join(dir, "graph-test", "loadtest.py"), GET_SCENARIO());
  await writeFile(
    join(dir, "dogdriver.config.json"),
    JSON.stringify({
      store: "file://./store",
      source: "ci",
      services: [
        service("graph", target.url, "./graph-test", {
          // Server metrics make the settled aggregate query Datadog (the timeseries and scalar APIs).
          queries: { latency_ms: "avg:app.latency{service:{service},env:{env}}" },
        }),
      ],
    }),
  );

  const run = await traced("run", ["run", "--all"]);
  // The hook saw the run path (else an empty log would pass), and nothing of the client on it.
  expect(run.modules.some((m) => m.endsWith("/dist/runner/run-command.js"))).toBe(true);
  expect(run.modules.some((m) => m.endsWith("/dist/runner/run-service.js"))).toBe(true);
  expect(run.modules.filter((m) => CLIENT.test(m))).toEqual([]);
  expect(run.modules.some((m) => m.endsWith("/dist/datadog/client.js"))).toBe(false);
  // Datadog was not called while the load ran; the events wait in the store's outbox.
  expect(dd.requests()).toEqual([]);
  const store = openStore("file://./store", testDeps({ cwd: dir }));
  const records: RunRecord[] = [];
  for await (const r of store.listRuns()) records.push(r);
  expect(records).toHaveLength(1);
  const record = records[0] as RunRecord;
  const queued = await readEntry(store, runEventsEntryPath(record));
  expect(queued?.entry.events.map((e) => e.event.title)).toEqual([
    "dogdriver load test started: graph/test 3.1.4",
    "dogdriver load test finished: graph/test 3.1.4",
  ]);

  // `aggregate` talks to Datadog over plain fetch: the same check finds no part of the client.
  const aggregate = await traced("aggregate", ["aggregate", "--settle", "1h"]);
  expect(aggregate.modules.some((m) => m.endsWith("/dist/aggregator/aggregate.js"))).toBe(true);
  expect(aggregate.modules.some((m) => m.endsWith("/dist/datadog/client.js"))).toBe(true);
  expect(aggregate.modules.filter((m) => CLIENT.test(m))).toEqual([]);
  // The run is not settled yet, but its events go out now, once each, and the entry is gone.
  expect(dd.events().map((e) => e.title)).toEqual([
    "dogdriver load test started: graph/test 3.1.4",
    "dogdriver load test finished: graph/test 3.1.4",
  ]);
  expect(dd.events()[1]).toMatchObject({
    aggregation_key: `dogdriver-run-${record.id}`,
    alert_type: "success",
    tags: expect.arrayContaining([
      "dogdriver_event:run_end",
      "service:graph",
      "env:test",
      "version:3.1.4",
      "location:ci",
    ]),
  });
  expect(await readEntry(store, runEventsEntryPath(record))).toBeUndefined();

  // `aggregate` of the settled run queries and submits through the same plain path, still without the client.
  const settled = await traced("aggregate-settled", ["aggregate", "--settle", "0s"]);
  expect(settled.modules.filter((m) => CLIENT.test(m))).toEqual([]);
  expect(dd.requests().some((r) => r.path.startsWith("/api/v2/query/"))).toBe(true);
  expect(dd.requests().some((r) => r.path === "/api/v2/series" && r.status === 202)).toBe(true);

  // `provision` uses the client for dashboards and monitors, and the same check sees it: the assertions above
  // would fail if `run` or `aggregate` loaded it.
  const provision = await traced("provision", ["provision", "--dry-run"]);
  expect(provision.modules.filter((m) => CLIENT.test(m)).length).toBeGreaterThan(0);
  // Two built CLIs, one loading Datadog's client: ~10 s on a quiet machine, several times that on a busy one.
}, 180_000);

it("`run` with discover.datadog reads the Software Catalog without loading Datadog's client", async () => {
  const work = join(dir, "discover");
  await mkdir(join(work, "smoke"), { recursive: true });
  await writeFile(join(work, "smoke", "molotov.json"), JSON.stringify(smokeTest({ workers: 1 })));
  await writeFile(join(work, "smoke", "loadtest.py"), GET_SCENARIO());
  dd.reset();
  dd.setCatalog([
    {
      apiVersion: "v3",
      kind: "service",
      metadata: { name: "found", owner: "storage" },
      extensions: {
        dogdriver: {
          env: "stage",
          endpoint: target.url,
          test: { repo: join(work, "smoke"), name: "dogdriver" },
          version: "3.1.4",
        },
      },
    },
  ]);
  await writeFile(
    join(work, "dogdriver.config.json"),
    JSON.stringify({
      store: "file://./store",
      source: "ci",
      discover: { datadog: true, local_repo_dirs: [work] },
    }),
  );
  const run = await traced("run-discover", ["run", "--all"], work);
  expect(run.modules.some((m) => m.endsWith("/dist/runner/run-service.js"))).toBe(true);
  expect(run.modules.some((m) => m.endsWith("/dist/datadog/client.js"))).toBe(true);
  expect(run.modules.filter((m) => CLIENT.test(m))).toEqual([]);
  // The catalog was read (and only the catalog), and the discovered service ran.
  expect(dd.requests().map((r) => r.path)).toEqual(["/api/v2/catalog/entity"]);
  const store = openStore("file://./store", testDeps({ cwd: work }));
  const records: RunRecord[] = [];
  for await (const r of store.listRuns()) records.push(r);
  expect(records.map((r) => `${r.service}/${r.env}`)).toEqual(["found/stage"]);
}, 120_000);
