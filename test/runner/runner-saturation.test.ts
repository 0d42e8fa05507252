import { chmod, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { execa, type ResultPromise } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  isSaturated,
  RunnerHealth,
  SATURATED_LAG_MS_P99,
  SATURATED_WAIT_PCT,
} from "../../src/runner/runner-health.js";
import { openStore } from "../../src/store/open-store.js";
import type { RunRecord } from "../../src/store/run-record.js";
import { compareReleases } from "../../src/verdicts/compare-releases.js";
import { isUsable } from "../../src/verdicts/release-history.js";
import type { Comparison } from "../../src/verdicts/types.js";
import { type HttpService, startHttpService } from "../support/http-service.js";
import { laterMolotov, service, smokeTest, type Workspace, workspace } from "./runner-fixtures.js";

// A runner short of CPU: molotov (pinned by a python wrapper) shares CPU 0 with busy loops this test starts and
// stops itself, each ending on its own after HOG_LIMIT_S whatever happens to the test. Each busy loop leads its
// own session, as molotov does: with Linux's autogroup scheduling each session gets a fair share of a CPU, and
// without it each process does, so either way molotov gets about a quarter of CPU 0 while the loops run
// (docs/benchmarks.md, "Runner saturation": what the same starvation does to p95 and rps).

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

  it("a runner whose molotov waited for a CPU a third of the load or more is saturated, whatever its loop lag", () => {
    const base = {
      cpu_pct: 100,
      load_per_core: 2,
      lag_ms_p99: 5,
      lag_ms_max: 9,
      molotov_cpu_pct: 20,
      cores: 2,
    };
    expect(isSaturated({ ...base, molotov_wait_pct: 22 })).toBe(false);
    expect(isSaturated({ ...base, molotov_wait_pct: SATURATED_WAIT_PCT })).toBe(true);
    // Records without the field (before dogdriver measured it, or no /proc) go by the lag alone.
    expect(isSaturated(base)).toBe(false);
  });

  it("a run made while CPU hogs share the runner's CPU is flagged runner_saturated and left out of verdicts", async () => {
    const python = join(ws.dir, "python-on-cpu0");
    await writeFile(
      python,
      `#!/bin/sh\nexec taskset -c 0 ${laterMolotov().DOGDRIVER_PYTHON ?? "/usr/bin/python3"} "$@"\n`,
    );
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
        { reject: false, detached: true },
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
    // Molotov waited for CPU 0 most of the time it wanted it (the benchmark's idle runner: 5 to 12%).
    expect(runner?.molotov_wait_pct).toBeGreaterThanOrEqual(SATURATED_WAIT_PCT);
    // The hogs alone keep one of the cores busy.
    expect(runner?.cpu_pct).toBeGreaterThan(40);
    expect(runner?.molotov_cpu_pct).toBeGreaterThan(0);
    expect(runner?.load_per_core).toBeGreaterThan(0);

    // In a comparison, the release's other (unflagged) runs count and the saturated one is counted as left out.
    const clone = (version: string, i: number): RunRecord => ({
      ...record,
      id: `${record.id.slice(0, -2)}${version === "0.9.0" ? "A" : "B"}${i}`,
      version,
      started_at: new Date(
        Date.parse(record.started_at) + (version === "0.9.0" ? -3_600_000 : 0) - i * 60_000,
      ).toISOString(),
      flags: [],
    });
    const runs = [
      ...[1, 2, 3, 4, 5].map((i) => clone("0.9.0", i)),
      ...[1, 2, 3, 4, 5].map((i) => clone(record.version, i)),
      record,
    ];
    const p95 = compareReleases(runs, { metrics: ["client.latency_ms.p95"], endpoints: false });
    expect(p95).toHaveLength(1);
    const [comparison] = p95 as [Comparison];
    expect(comparison.candidate).toMatchObject({
      version: record.version,
      runs: 5,
      flagged: 1,
      saturated: 1,
    });
    expect(comparison.baseline).toMatchObject({ version: "0.9.0", runs: 5, flagged: 0, saturated: 0 });
  });
});
