import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openStore } from "../../src/store/open-store.js";
import type { RunRecord } from "../../src/store/run-record.js";
import { testDeps } from "../support/deps.js";
import {
  aggregateWith,
  datadogEnv,
  pendingRun,
  seedServerMetrics,
  useHarness,
  writeConfig,
} from "./fixtures.js";

// Datadog down or rate limiting: nothing is lost, nothing is sent twice, and points that became older than
// Datadog accepts are kept in the store and reported instead of being sent to be dropped.

const h = useHarness("outage");
const MINUTE = 60_000;

const aggregateOnce = (config: string) => aggregateWith(h, config, datadogEnv(h.dd));

const runPoints = (r: RunRecord) =>
  h.dd
    .points()
    .filter(
      (p) =>
        p.metric === "dogdriver.run.latency.p95" &&
        p.timestamp === Math.floor(Date.parse(r.started_at) / 1000),
    );

const blobs = async (store: ReturnType<typeof openStore>, prefix: string) => {
  const found: string[] = [];
  for await (const b of store.listBlobs(prefix)) found.push(b);
  return found;
};

describe("aggregate when Datadog is unavailable", () => {
  it("loses nothing through a 30-minute outage and applies the too-old policy to points past Datadog's window", async () => {
    const url = `file://${join(h.root, "outage")}`;
    const store = openStore(url, testDeps({ cwd: h.root }));
    const config = await writeConfig(url, ["svc"]);
    const t0 = Math.floor(h.clock.now() / 10_000) * 10_000;
    const early = [40, 34, 28, 22, 16, 12].map((ago) =>
      pendingRun({ service: "svc", version: "1.0.0", startMs: t0 - ago * MINUTE }),
    );
    for (const r of early) await store.putRun(r);
    await seedServerMetrics(h.dd, "svc", t0 - 45 * MINUTE, t0, () => ({ latency: 20, cpu: 30, hosts: 3 }));

    // t0: queries work, but Datadog refuses every submission: the runs are stored, their points wait in the outbox.
    h.dd.inject({ path: "/api/v2/series", status: 503, times: Number.POSITIVE_INFINITY });
    h.dd.inject({ path: "/api/v1/events", status: 503, times: Number.POSITIVE_INFINITY });
    const first = await aggregateOnce(config);
    expect(first.outcome).toBe("ok");
    expect(first.report.runs.processed).toHaveLength(6);
    expect(first.report.push.outbox_pending).toBeGreaterThan(0);
    expect(first.stderr).toContain("kept for the next aggregate");
    expect(h.dd.points().filter((p) => p.metric.startsWith("dogdriver."))).toEqual([]);

    // t0 + 10 min: Datadog is down altogether; two new runs settle and stay pending.
    h.clock.offsetMs = 10 * MINUTE;
    const late = [15, 12].map((ago) =>
      pendingRun({ service: "svc", version: "2.0.0", startMs: h.clock.now() - ago * MINUTE }),
    );
    for (const r of late) await store.putRun(r);
    h.dd.clearFaults();
    await seedServerMetrics(h.dd, "svc", h.clock.now() - 16 * MINUTE, h.clock.now(), () => ({
      latency: 25,
      cpu: 30,
      hosts: 3,
    }));
    h.dd.inject({ path: "/api/", status: 503, times: Number.POSITIVE_INFINITY });
    const second = await aggregateOnce(config);
    expect(second.outcome).toBe("ok");
    expect(second.report.runs.processed).toHaveLength(0);
    expect(second.report.runs.deferred.map((d) => d.key).sort()).toHaveLength(2);
    expect(second.report.runs.deferred[0]?.reason).toMatch(/Datadog query failed/);
    for (const r of late)
      expect(
        (await store.getRun(second.report.runs.deferred.find((d) => d.key.includes(r.id))?.key ?? ""))?.state,
      ).toBe("pending");
    expect(await blobs(store, "claims/")).toEqual([]);

    // t0 + 30 min: Datadog is back.
    h.clock.offsetMs = 30 * MINUTE;
    h.dd.clearFaults();
    const third = await aggregateOnce(config);
    expect(third.outcome).toBe("ok");
    expect(third.report.runs.processed).toHaveLength(2);
    expect(third.report.push.outbox_pending).toBe(0);

    // Started 70, 64 and 58 minutes before this call: past the 55-minute limit, so kept, not sent.
    const [tooOld, fresh] = [early.slice(0, 3), [...early.slice(3), ...late]];
    for (const r of tooOld) expect(runPoints(r)).toEqual([]);
    for (const r of fresh) expect(runPoints(r)).toHaveLength(1);
    expect(h.dd.droppedPoints()).toEqual([]);
    expect(third.report.push.points_too_old).toBeGreaterThan(0);
    expect(third.stderr).toMatch(/points older than Datadog accepts \(1 hour\) were not sent/);
    const kept = await blobs(store, "too-old/");
    expect(kept.sort()).toEqual(tooOld.map((r) => `too-old/outbox/run/${r.id}.json`).sort());
    const letter = JSON.parse((await store.readBlob(kept[0] ?? ""))?.body ?? "{}");
    expect(letter.series.map((s: { metric: string }) => s.metric)).toContain("dogdriver.run.latency.p95");
    // Every record holds its values whatever happened to its points.
    for (const r of [...early, ...late]) {
      const key = `runs/svc/stage/${r.started_at}_${r.id}.json`;
      const stored = await store.getRun(key);
      expect(stored?.state).toBe("aggregated");
      expect(stored?.server?.latency_ms).toBeCloseTo(r.version === "1.0.0" ? 20 : 25, 6);
    }

    // Each event once: both releases, and the verdicts; a fourth call sends none again.
    const titles = h.dd.events().map((e) => e.title);
    expect(titles.filter((t) => t.includes("first seen")).sort()).toEqual([
      "svc stage: release 1.0.0 first seen",
      "svc stage: release 2.0.0 first seen",
    ]);
    expect(new Set(titles).size).toBe(titles.length);
    await aggregateOnce(config);
    expect(h.dd.events().map((e) => e.title)).toEqual(titles);
  });

  it("leaves runs pending through a 429 storm and completes them once the limit lifts", async () => {
    const url = `file://${join(h.root, "storm")}`;
    const store = openStore(url, testDeps({ cwd: h.root }));
    const config = await writeConfig(url, ["busy"]);
    const runs = [30, 25, 20].map((ago) =>
      pendingRun({ service: "busy", version: "9", startMs: h.clock.now() - ago * MINUTE }),
    );
    for (const r of runs) await store.putRun(r);
    await seedServerMetrics(h.dd, "busy", h.clock.now() - 31 * MINUTE, h.clock.now(), () => ({
      latency: 5,
      cpu: 5,
      hosts: 1,
    }));
    h.dd.inject({ path: "/api/v2/query", status: 429, resetSeconds: 1, times: Number.POSITIVE_INFINITY });

    const stormy = await aggregateOnce(config);
    expect(stormy.report.runs.deferred).toHaveLength(3);
    expect(stormy.report.runs.deferred[0]?.reason).toMatch(/429|rate/i);
    // One planned call, retried by the client, then no further calls while rate limited.
    expect(h.dd.requests().filter((r) => r.path.startsWith("/api/v2/query")).length).toBeLessThanOrEqual(4);
    for await (const r of store.listRuns()) expect(r.state).toBe("pending");

    h.dd.clearFaults();
    const calm = await aggregateOnce(config);
    expect(calm.report.runs.processed).toHaveLength(3);
    for (const r of runs) expect(runPoints(r)).toHaveLength(1);
  });

  it("moves what Datadog refuses for good aside, so it cannot hold back the rest of the outbox", async () => {
    const url = `file://${join(h.root, "refused")}`;
    const store = openStore(url, testDeps({ cwd: h.root }));
    const config = await writeConfig(url, ["picky"]);
    // A 200-character version makes a "version:..." tag longer than Datadog allows (200 characters).
    const bad = pendingRun({
      service: "picky",
      version: "v".repeat(200),
      startMs: h.clock.now() - 30 * MINUTE,
    });
    const good = pendingRun({ service: "picky", version: "1.0", startMs: h.clock.now() - 25 * MINUTE });
    for (const r of [bad, good]) await store.putRun(r);

    const { outcome, report, stderr } = await aggregateOnce(config);
    expect(outcome).toBe("ok");
    expect(report.runs.processed).toHaveLength(2);
    expect(report.push.outbox_pending).toBe(0);
    expect(runPoints(good)).toHaveLength(1);
    expect(stderr).toMatch(/Datadog refused outbox\/run\/01JD\w+\.json .*moved to _dogdriver\/rejected\//);
    expect(await blobs(store, "rejected/")).toEqual([`rejected/outbox/run/${bad.id}.json`]);
    expect(h.dd.events().map((e) => e.title)).toContain("picky stage: release 1.0 first seen");
  });

  it("keeps a submission whose connection was reset, and an event whose post hung, for the next call", async () => {
    const url = `file://${join(h.root, "flaky")}`;
    const store = openStore(url, testDeps({ cwd: h.root }));
    const config = await writeConfig(url, ["flaky"]);
    const run = pendingRun({ service: "flaky", version: "4.2", startMs: h.clock.now() - 20 * MINUTE });
    await store.putRun(run);

    // Every connection to /api/v2/series reset (the client retries it: it is idempotent, then gives up).
    h.dd.inject({ path: "/api/v2/series", reset: true, times: Number.POSITIVE_INFINITY });
    const reset = await aggregateOnce(config);
    expect(reset.report.runs.processed).toHaveLength(1);
    expect(reset.report.push.outbox_pending).toBeGreaterThan(0);
    expect(runPoints(run)).toEqual([]);

    // The gauges go through; the event post hangs until the client's timeout (30 s of this clock, 250 ms here).
    h.dd.clearFaults();
    h.dd.inject({ path: "/api/v1/events", hang: true, times: 1 });
    const impatient = {
      now: () => h.clock.now(),
      sleep: (ms: number, signal?: AbortSignal) => h.clock.sleep(ms >= 10_000 ? 250 : ms, signal),
    };
    const hung = await aggregateWith(h, config, datadogEnv(h.dd), { clock: impatient });
    expect(hung.outcome).toBe("ok");
    expect(hung.report.push.outbox_pending).toBeGreaterThan(0);
    expect(runPoints(run)).toHaveLength(1);
    expect(h.dd.events()).toEqual([]);

    h.dd.clearFaults();
    const calm = await aggregateOnce(config);
    expect(calm.report.push.outbox_pending).toBe(0);
    expect(h.dd.events().map((e) => e.title)).toEqual(["flaky stage: release 4.2 first seen"]);
  });
});
