import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStore } from "../../src/store/open-store.js";
import type { RunRecord } from "../../src/store/run-record.js";
import { type HttpService, startHttpService } from "../support/http-service.js";
import { service, smokeTest, type Workspace, workspace } from "./runner-fixtures.js";

// `run --all --parallel K`: real Molotov, K tests at once, every service recorded once.

describe("run --all --parallel", () => {
  let ws: Workspace;
  let target: HttpService;
  beforeAll(async () => {
    ws = await workspace();
    target = await startHttpService({ delayMs: 5, version: "1.0.0" });
    await ws.testDir("t", smokeTest({ duration: 2, workers: 1 }));
  });
  afterAll(async () => {
    await Promise.all([target.close(), ws.cleanup()]);
  });

  it("tests up to K services at once (their load windows overlap) and records each once", async () => {
    // Four services sharing one test directory: the shared checkout is prepared one at a time.
    await ws.config({
      store: "file://./store",
      source: "ci",
      services: ["a", "b", "c", "d"].map((name) => service(name, target.url, "./t")),
    });
    const deps = ws.deps();
    const { exit } = await ws.run({ all: true, parallel: 2 }, deps);
    expect(deps.stderr.text()).not.toContain("FAILED");
    expect(exit).toBe(0);
    const stored: RunRecord[] = [];
    for await (const record of openStore("file://./store", deps).listRuns()) stored.push(record);
    expect(stored.map((r) => r.service).sort()).toEqual(["a", "b", "c", "d"]);
    const windows = stored.map((r) => [Date.parse(r.started_at), Date.parse(r.ended_at)] as const);
    const overlapping = (t: number) => windows.filter(([start, end]) => start <= t && t <= end).length;
    // At most 2 at any moment, and 2 at some moment.
    const counts = windows.flatMap(([start, end]) => [overlapping(start), overlapping(end)]);
    expect(Math.max(...counts)).toBe(2);
  }, 60_000);
});
