import { rm } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exitCodeForError } from "../../src/cli/exit-codes.js";
import { reportCommand } from "../../src/report/report-command.js";
import { openStore } from "../../src/store/open-store.js";
import type { RunRecord } from "../../src/store/run-record.js";
import { verifyCommand } from "../../src/verify/verify-command.js";
import { type Emulator, startDatadogEmulator } from "../support/datadog-emulator/index.js";
import { type HttpService, startHttpService } from "../support/http-service.js";
import { service, smokeTest, type Workspace, workspace } from "./runner-fixtures.js";

// `run` with no SERVICE: the one configured service when the configuration file has exactly one and nothing is
// discovered (what `init` writes, then `dogdriver run`); otherwise a usage error that says --all and lists what is
// configured. Before, a single configured service was refused too.

describe("run without a service name", () => {
  let ws: Workspace;
  let target: HttpService;
  let dd: Emulator;
  beforeAll(async () => {
    [ws, target, dd] = await Promise.all([
      workspace(),
      startHttpService({ delayMs: 1, version: "1.0.0" }),
      startDatadogEmulator(),
    ]);
    await ws.testDir("smoke", smokeTest());
    delete ws.parts.datadog; // the real client, against the emulator (its Software Catalog is empty)
  });
  afterAll(async () => {
    await Promise.all([target.close(), dd.close(), ws.cleanup()]);
  });

  const kinto = () => service("kinto", target.url, "./smoke", { env: "stage" });

  it("tests the one configured service and stores its record", async () => {
    await ws.config({ store: "file://./store", source: "ci", services: [kinto()] });
    const deps = ws.deps();
    const { exit, message } = await ws.run({ services: [] }, deps);
    expect([exit, message], deps.stderr.text()).toEqual([0, undefined]);
    const stored: RunRecord[] = [];
    for await (const record of openStore("file://./store", deps).listRuns()) stored.push(record);
    expect(stored.map((r) => `${r.service}/${r.env}`)).toEqual(["kinto/stage"]);
  }, 60_000);

  it.each([
    [
      "two configured services",
      () => ({ services: [kinto(), service("web", target.url, "./smoke", { env: "prod" })] }),
      "run: name the services to test, or use --all for every one (configured in dogdriver.config.json: kinto/stage, web/prod)",
    ],
    [
      "one configured service and the Software Catalog",
      () => ({ services: [kinto()], discover: { datadog: true } }),
      "run: name the services to test, or use --all for every one (configured in dogdriver.config.json: kinto/stage)",
    ],
  ])("with %s is a usage error that says --all and lists them", async (_name, config, expected) => {
    await ws.config({ store: "file://./store", source: "ci", ...config() });
    const deps = ws.deps();
    deps.env = { ...deps.env, DD_API_KEY: dd.apiKey, DD_APP_KEY: dd.appKey, DOGDRIVER_DD_URL: dd.url };
    expect(await ws.run({ services: [], list: true }, deps)).toMatchObject({ exit: 2, message: expected });
    expect(deps.stdout.text()).toBe("");
  });

  it("without a configuration file says so", async () => {
    await rm(join(ws.dir, "dogdriver.config.json"));
    expect(await ws.run({ services: [] })).toMatchObject({
      exit: 2,
      message: "run: name the services to test, or use --all for every one (no configuration file found)",
    });
  });
});

// A SERVICE with a second "/" was read as NAME/ENV with the rest dropped: `run kinto/stage/x` and `verify
// kinto/stage/x` tested kinto/stage, and `report kinto/stage/x` blamed the valid name "kinto".
describe("a SERVICE with more than one /", () => {
  let ws: Workspace;
  beforeAll(async () => {
    ws = await workspace();
    await ws.config({
      store: "file://./store",
      source: "ci",
      services: [service("kinto", "http://127.0.0.1:9", "./smoke", { env: "stage" })],
    });
  });
  afterAll(() => ws.cleanup());

  const expected = 'SERVICE "kinto/stage/x": expected NAME or NAME/ENV, with one "/" at most';

  it("is a usage error for run, verify and report, which name the command and test nothing", async () => {
    expect(await ws.run({ services: ["kinto/stage/x"], list: true })).toMatchObject({
      exit: 2,
      message: `run: ${expected}`,
    });
    const verify = await verifyCommand({ service: "kinto/stage/x" }, ws.deps(), ws.parts).catch((e) => e);
    expect([exitCodeForError(verify.code), verify.message]).toEqual([2, `verify: ${expected}`]);
    const report = await reportCommand({ services: ["kinto/stage/x"] }, ws.deps()).catch((e) => e);
    expect([exitCodeForError(report.code), report.message]).toEqual([2, expected]);
  });

  it("names verify, not run, when verify's service is not configured", async () => {
    const error = await verifyCommand({ service: "nope" }, ws.deps(), ws.parts).catch((e) => e);
    expect([exitCodeForError(error.code), error.message]).toEqual([
      2,
      'verify: no configured service "nope" in dogdriver.config.json (configured: kinto/stage)',
    ]);
  });
});
