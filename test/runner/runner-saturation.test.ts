import { chmod, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { execa, type ResultPromise } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isSaturated, RunnerHealth, SATURATED_LAG_MS_P99 } from "../../src/runner/runner-health.js";
import { openStore } from "../../src/store/open-store.js";
import type { RunRecord } from "../../src/store/run-record.js";
import { isUsable } from "../../src/verdicts/release-history.js";
import { type HttpService, startHttpService } from "../support/http-service.js";
import { service, smokeTest, type Workspace, workspace } from "./runner-fixtures.js";

// A runner short of CPU: molotov (at nice 10, through a python wrapper) shares CPU 0 with busy loops this test
// starts and stops itself, each ending on its own after HOG_LIMIT_S whatever happens to the test.

const HOGS = 3;
const HOG_LIMIT_S = 15;

describe("runner saturation", () => {
  let ws: Workspace;
  let target: HttpService;
  let hogs: ResultPromise[] = [];
  beforeAll(async () => {
    ws = await workspace();
    target = await startHttpService({ delayMs: 5 });
  });
  afterAll(async () => {
    for (const hog of hogs) hog.kill("SIGKILL");
    await Promise.all([...hogs, target.close(), ws.cleanup()]);
  });

  it("the loop-lag threshold separates an idle loop from one that waits for CPU", () => {
    const idle = new RunnerHealth(2);
    for (let i = 0; i < 1000; i++) idle.addLag(0.2 + (i % 10) * 0.1);
    expect(isSaturated(idle.summary())).toBe(false);
    const starved = new RunnerHealth(2);
    for (let i = 0; i < 1000; i++) starved.addLag(i % 50 === 0 ? SATURATED_LAG_MS_P99 * 3 : 1);
    expect(isSaturated(starved.summary())).toBe(true);
  });

  it("a run made while CPU hogs share the runner's CPU is flagged runner_saturated and left out of verdicts", async () => {
    const python = join(ws.dir, "python-on-cpu0");
    await writeFile(python, '#!/bin/sh\nexec nice -n 10 taskset -c 0 /usr/bin/python3 "$@"\n');
    await chmod(python, 0o755);
    ws.parts.python = python;
    await ws.testDir("busy", smokeTest({ duration: 3, workers: 20 }));
    await ws.config({ store: "file://./store", services: [service("busy", target.url, "./busy")] });
    hogs = Array.from({ length: HOGS }, () =>
      execa(
        "taskset",
        [
          "-c",
          "0",
          process.execPath,
          "-e",
          `const end = Date.now() + ${HOG_LIMIT_S * 1000}; while (Date.now() < end) {}`,
        ],
        { reject: false },
      ),
    );
    try {
      const { exit, deps } = await ws.run({ services: ["busy"] });
      expect(exit).toBe(0);
      expect(deps.stderr.text()).toMatch(/busy\/test: .*; flagged runner_saturated: left out of verdicts/);
    } finally {
      for (const hog of hogs) hog.kill("SIGKILL");
      await Promise.all(hogs);
    }
    const records: RunRecord[] = [];
    for await (const r of openStore("file://./store", ws.deps()).listRuns({ service: "busy" }))
      records.push(r);
    const [record] = records as [RunRecord];
    expect(record.state).toBe("pending");
    expect(record.flags).toContain("runner_saturated");
    expect(isUsable(record)).toBe(false);
    const runner = record.runner;
    expect(runner?.lag_ms_p99).toBeGreaterThanOrEqual(SATURATED_LAG_MS_P99);
    // The hogs alone keep one of the cores busy.
    expect(runner?.cpu_pct).toBeGreaterThan(40);
    expect(runner?.molotov_cpu_pct).toBeGreaterThan(0);
    expect(runner?.load_per_core).toBeGreaterThan(0);
  });
});
