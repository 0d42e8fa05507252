import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listEntries, readEntry } from "../../src/aggregator/outbox.js";
import type { DatadogEvent } from "../../src/datadog/types.js";
import { reportCommand } from "../../src/report/report-command.js";
import { openStore } from "../../src/store/open-store.js";
import type { RunRecord } from "../../src/store/run-record.js";
import { type Emulator, startDatadogEmulator } from "../support/datadog-emulator/index.js";
import { type HttpService, startHttpService } from "../support/http-service.js";
import { GET_SCENARIO, service, smokeTest, type Workspace, workspace } from "./runner-fixtures.js";

// Real molotov against two real local services with known delays.

describe("dogdriver run --all", () => {
  let ws: Workspace;
  let fast: HttpService;
  let slow: HttpService;
  let datadog: Emulator;
  beforeAll(async () => {
    ws = await workspace();
    datadog = await startDatadogEmulator();
    fast = await startHttpService({ delayMs: 10, version: "1.0.0" });
    slow = await startHttpService({ delayMs: 60, version: "2.0.0", errorRate: 0.04 });
  });
  afterAll(async () => {
    await Promise.all([fast.close(), slow.close(), datadog.close(), ws.cleanup()]);
  });

  it("writes one pending record per service whose latency matches the service's delay", async () => {
    await ws.testDir("fast-test", smokeTest({ processes: 2 }));
    await ws.testDir("slow-test", smokeTest());
    await ws.config({
      store: "file://./store",
      source: "ci",
      services: [service("fast", fast.url, "./fast-test"), service("slow", slow.url, "./slow-test")],
    });
    // The slow service is redeployed while its test runs (once its load has started).
    const redeploy = setInterval(() => {
      if (slow.requests() > 0) slow.setVersion("2.0.1");
    }, 50);
    const deps = ws.deps();
    deps.env = { ...deps.env, DD_API_KEY: datadog.apiKey, DOGDRIVER_DD_URL: datadog.url };
    const { exit } = await ws.run({ all: true, json: true }, deps);
    clearInterval(redeploy);
    expect(deps.stderr.text()).not.toContain("FAILED");
    expect(exit).toBe(0);

    const printed = deps.stdout
      .text()
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as RunRecord);
    const stored: RunRecord[] = [];
    for await (const record of openStore("file://./store", { ...deps }).listRuns()) stored.push(record);
    expect(stored.map((r) => r.service).sort()).toEqual(["fast", "slow"]);
    expect(printed.map((r) => r.id).sort()).toEqual(stored.map((r) => r.id).sort());

    const byName = Object.fromEntries(stored.map((r) => [r.service, r]));
    const f = byName.fast as RunRecord;
    const s = byName.slow as RunRecord;
    expect(f).toMatchObject({
      state: "pending",
      version: "1.0.0",
      env: "test",
      source: "ci",
      test: "dogdriver",
    });
    // runner_saturated is the truth on a busy test machine (runner-saturation.test.ts); nothing else is flagged.
    expect((f.flags ?? []).filter((flag) => flag !== "runner_saturated")).toEqual([]);
    // Both molotov processes (-p 2) were captured: what the service answered is what was recorded.
    expect(f.client.requests).toBe(fast.requests());
    expect(f.client.errors).toBe(0);
    // Latency is the service's delay plus a local round trip: at least the delay, never several times it.
    expect(f.client.latency_ms.p50).toBeGreaterThanOrEqual(10);
    expect(f.client.latency_ms.p50).toBeLessThan(30);
    expect(s.client.latency_ms.p50).toBeGreaterThanOrEqual(60);
    expect(s.client.latency_ms.p50).toBeLessThan(85);
    for (const r of [f, s]) {
      const l = r.client.latency_ms;
      expect([l.p50, l.p75, l.p90, l.p95, l.p99, l.max]).toEqual(
        [l.p50, l.p75, l.p90, l.p95, l.p99, l.max].map(Number).sort((a, b) => a - b),
      );
      expect(r.client.rps).toBeGreaterThan(0);
      expect(Date.parse(r.ended_at) - Date.parse(r.started_at)).toBeGreaterThanOrEqual(1000);
    }
    // Every 25th answer of the slow service is a 500: counted as errors (4%, under alerts.error_rate_pct), the run is still usable.
    expect(s.client.requests).toBe(slow.requests());
    expect(s.client.errors).toBe(Math.floor(slow.requests() / 25));
    expect(s.client.error_rate).toBeCloseTo(s.client.errors / s.client.requests, 5);
    // The version read after the load is the one recorded; the change is flagged.
    expect(s).toMatchObject({ version: "2.0.1", version_before: "2.0.0" });
    expect((s.flags ?? []).filter((flag) => flag !== "runner_saturated")).toEqual(["version_changed"]);

    // A start and a stop event per run, tagged for the service, grouped by run: queued in the store's outbox
    // for `aggregate` (test/runner/module-graph.test.ts sees them posted); `run` itself never calls Datadog.
    expect(datadog.requests()).toEqual([]);
    const outbox = openStore("file://./store", { ...deps });
    const events: DatadogEvent[] = [];
    for (const path of await listEntries(outbox))
      events.push(...((await readEntry(outbox, path))?.entry.events ?? []).map((e) => e.event));
    expect(events.map((e) => e.title).sort()).toEqual(
      [
        "dogdriver load test started: fast/test 1.0.0",
        "dogdriver load test finished: fast/test 1.0.0",
        "dogdriver load test started: slow/test 2.0.0",
        "dogdriver load test finished: slow/test 2.0.1",
      ].sort(),
    );
    const fastStop = events.find((e) => e.title.startsWith("dogdriver load test finished: fast"));
    expect(fastStop).toMatchObject({
      aggregationKey: `dogdriver-run-${f.id}`,
      alertType: "success",
      tags: expect.arrayContaining([
        "dogdriver",
        "dogdriver_event:run_end",
        "service:fast",
        "env:test",
        "version:1.0.0",
        "location:ci",
      ]),
    });
    expect(fastStop?.text).toContain(`${f.client.requests} requests, 0 errors`);
    expect(JSON.stringify(events)).not.toContain(datadog.apiKey);
    expect(JSON.stringify(events)).not.toContain("source:");

    // `report` shows both from the store alone (one release each: their levels, no verdict yet).
    const reportDeps = ws.deps();
    expect(await reportCommand({}, reportDeps)).toBe("ok");
    const shown = reportDeps.stdout.text();
    const p50 = (r: RunRecord) => Math.round((r.client.latency_ms.p50 ?? Number.NaN) * 10) / 10;
    expect(shown).toContain(`fast/test: one release so far (1.0.0, 1 run, median p50 ${p50(f)} ms`);
    expect(shown).toContain(`slow/test: one release so far (2.0.1, 1 run, median p50 ${p50(s)} ms`);
  });

  it("keeps dogdriver's keys from the scenario", async () => {
    // The scenario is a repository's code: it refuses to load if it can see a key.
    const noKeys = `import os\nassert not {"DD_API_KEY", "AWS_SECRET_ACCESS_KEY"} & set(os.environ), "sees keys"\n${GET_SCENARIO()}`;
    await ws.testDir("order-test", smokeTest({ workers: 1 }), { "loadtest.py": noKeys });
    await ws.config({
      store: "file://./order-store",
      services: [service("order", fast.url, "./order-test")],
    });
    const deps = ws.deps();
    deps.env = { ...deps.env, DD_API_KEY: datadog.apiKey, AWS_SECRET_ACCESS_KEY: "aws-s3cret" };
    const { exit } = await ws.run({ services: ["order"], json: true }, deps);
    expect(exit).toBe(0);
    const printed = JSON.parse(deps.stdout.text()) as RunRecord;
    expect(printed.state).toBe("pending");
  });
});
