import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openStore } from "../../src/store/open-store.js";
import type { RunRecord } from "../../src/store/run-record.js";
import type { RunStore } from "../../src/store/types.js";
import { testDeps } from "../support/deps.js";
import {
  aggregateWith,
  datadogEnv,
  ENV,
  pendingRun,
  RUN_MS,
  seedServerMetrics,
  useHarness,
  writeConfig,
} from "./fixtures.js";

const h = useHarness("aggregate");

let count = 0;
const freshStore = () => `file://${join(h.root, `store-${++count}`)}`;

const aggregateOnce = (config: string, env: Record<string, string>, options: { dryRun?: boolean } = {}) =>
  aggregateWith(h, config, env, options);

const allRuns = async (store: RunStore): Promise<RunRecord[]> => {
  const runs: RunRecord[] = [];
  for await (const r of store.listRuns()) runs.push(r);
  return runs;
};

const tagsOf = (r: RunRecord) =>
  [
    `env:${r.env}`,
    `service:${r.service}`,
    `location:${r.source}`,
    "test:dogdriver",
    `version:${r.version}`,
  ].sort();

/** The value of one dogdriver series at a run's start, as the emulator stored it. */
const pointFor = (metric: string, r: RunRecord) =>
  h.dd
    .points()
    .filter(
      (p) =>
        p.metric === metric &&
        p.timestamp === Math.floor(Date.parse(r.started_at) / 1000) &&
        JSON.stringify(p.tags) === JSON.stringify(tagsOf(r)),
    )
    .map((p) => p.value);

describe("aggregate", () => {
  it("completes 50 pending runs of 5 services with few query calls and pushes their points and events once", async () => {
    const services = ["alpha", "bravo", "charlie", "delta", "echo"];
    const url = freshStore();
    const store = openStore(url, testDeps({ cwd: h.root }));
    const now = h.clock.now();
    const firstStart = Math.floor((now - 50 * 60_000) / 10_000) * 10_000;
    const runs: RunRecord[] = [];
    for (const service of services) {
      for (let i = 0; i < 10; i++) {
        const run = pendingRun({
          service,
          version: i < 5 ? "1.0.0" : "1.1.0",
          startMs: firstStart + i * 4 * 60_000,
          p95: 80 + i,
        });
        runs.push(run);
        await store.putRun(run);
      }
      // latency is 100 + the run's index during run i and 50 between runs; one run of alpha gains a host.
      await seedServerMetrics(h.dd, service, firstStart - 60_000, now, (t) => {
        const i = Math.floor((t - firstStart) / (4 * 60_000));
        const inRun = i >= 0 && i < 10 && t - (firstStart + i * 4 * 60_000) < RUN_MS;
        const hostsGrow = service === "alpha" && i === 3 && t - (firstStart + i * 4 * 60_000) >= 30_000;
        return { latency: inRun ? 100 + i : 50, cpu: 40, hosts: hostsGrow ? 5 : 4 };
      });
    }
    // A run that ended 2 minutes ago is not settled yet.
    await store.putRun(pendingRun({ service: "alpha", version: "1.1.0", startMs: now - 3 * 60_000 }));
    const config = await writeConfig(url, services);

    const { outcome, report, stderr } = await aggregateOnce(config, datadogEnv(h.dd));

    expect(outcome).toBe("ok");
    expect(report.runs.processed).toHaveLength(50);
    expect(report.verdicts_judged).toEqual(services.map((s) => `${s}/${ENV}`));
    expect(report.runs.skipped_fresh).toBe(1);
    const queryCalls = h.dd.requests().filter((r) => r.path.startsWith("/api/v2/query")).length;
    expect(report.calls.queries).toBe(queryCalls);
    expect(queryCalls).toBeLessThanOrEqual(50);
    expect(queryCalls).toBeLessThanOrEqual(services.length); // one call per service covers its ten windows
    expect(stderr).toContain(`${queryCalls} quer`);

    const stored = new Map((await allRuns(store)).map((r) => [r.id, r]));
    for (const [index, run] of runs.entries()) {
      const done = stored.get(run.id) as RunRecord;
      const i = index % 10;
      expect(done.state).toBe("aggregated");
      expect(done.server?.latency_ms).toBeCloseTo(100 + i, 6);
      expect(done.server?.cpu_pct).toBeCloseTo(40, 6);
      const grew = run.service === "alpha" && i === 3;
      expect(done.server?.topology_max).toBe(grew ? 5 : 4);
      expect(done.flags ?? []).toEqual(grew ? ["topology_changed"] : []);

      expect(pointFor("dogdriver.run.latency.p95", run)).toEqual([80 + i]);
      expect(pointFor("dogdriver.run.requests", run)).toEqual([1200]);
      expect(pointFor("dogdriver.run.error_rate", run)).toEqual([0.005]);
      expect(pointFor("dogdriver.run.server.latency_ms", run)[0]).toBeCloseTo(100 + i, 6);
    }
    expect(h.dd.droppedPoints()).toEqual([]);
    // No run id on any series: its tags are exactly the five of the contract (plus metric: on release series).
    for (const p of h.dd.points())
      expect(p.tags.some((t) => t.startsWith("id:") || t.includes("01jd"))).toBe(false);

    const releaseTitles = h.dd
      .events()
      .filter((e) => e.title.includes("first seen"))
      .map((e) => e.title);
    expect(releaseTitles.sort()).toEqual(
      services
        .flatMap((s) => [`${s} ${ENV}: release 1.0.0 first seen`, `${s} ${ENV}: release 1.1.0 first seen`])
        .sort(),
    );
    const titles = h.dd.events().map((e) => e.title);
    expect(new Set(titles).size).toBe(titles.length);
    // One verdict event per decided release, not one per metric.
    const verdictTitles = titles.filter((t) => / against 1\.0\.0/.test(t));
    expect(verdictTitles.length).toBeGreaterThan(0);
    expect(new Set(verdictTitles.map((t) => t.split(" ")[0])).size).toBe(verdictTitles.length);
    expect(titles).toHaveLength(releaseTitles.length + verdictTitles.length);
    expect(h.dd.points().some((p) => p.metric === "dogdriver.release.change_pct")).toBe(true);

    // A second call finds nothing to do, asks Datadog nothing and posts nothing again.
    const before = h.dd.requests().length;
    const again = await aggregateOnce(config, datadogEnv(h.dd));
    expect(again.report.runs.processed).toHaveLength(0);
    expect(again.report.verdicts_judged).toEqual([]);
    expect(again.report.calls.queries).toBe(0);
    expect(h.dd.events().map((e) => e.title)).toEqual(titles);
    expect(
      h.dd
        .requests()
        .slice(before)
        .filter((r) => r.path !== "/api/v2/series"),
    ).toEqual([]);

    // A new settled run of one service: only that one is judged again.
    await store.putRun(pendingRun({ service: "bravo", version: "1.1.0", startMs: now - 20 * 60_000 }));
    const third = await aggregateOnce(config, datadogEnv(h.dd));
    expect(third.report.runs.processed).toHaveLength(1);
    expect(third.report.verdicts_judged).toEqual([`bravo/${ENV}`]);
  });

  it("stores null with a reason, never 0, when Datadog has no data for a run", async () => {
    const url = freshStore();
    const store = openStore(url, testDeps({ cwd: h.root }));
    const run = pendingRun({ service: "quiet", version: "2.0.0", startMs: h.clock.now() - 20 * 60_000 });
    await store.putRun(run);
    const { report } = await aggregateOnce(await writeConfig(url, ["quiet"]), datadogEnv(h.dd));
    expect(report.runs.processed).toHaveLength(1);
    const done = (await store.getRun(report.runs.processed[0]?.key ?? "")) as RunRecord;
    expect(done.server).toEqual({ latency_ms: null, cpu_pct: null, topology_min: null, topology_max: null });
    expect(done.server_notes?.latency_ms).toMatch(/^no data from Datadog between /);
    expect(h.dd.points().filter((p) => p.metric.startsWith("dogdriver.run.server."))).toEqual([]);
    expect(pointFor("dogdriver.run.latency.p95", run)).toEqual([80]);
  });

  it("stores null with Datadog's reason for a query it rejects, and still the values of the others", async () => {
    const url = freshStore();
    const store = openStore(url, testDeps({ cwd: h.root }));
    const run = pendingRun({ service: "typo", version: "1", startMs: h.clock.now() - 20 * 60_000 });
    await store.putRun(run);
    await seedServerMetrics(h.dd, "typo", h.clock.now() - 25 * 60_000, h.clock.now(), () => ({
      latency: 9,
      cpu: 3,
      hosts: 2,
    }));
    const config = await writeConfig(url, ["typo"]);
    const file = JSON.parse(await readFile(config, "utf8"));
    file.services[0].queries.broken = "avg:app.latency{service:{service}"; // unclosed brace
    await writeFile(config, JSON.stringify(file));

    const { report } = await aggregateOnce(config, datadogEnv(h.dd));
    const done = (await store.getRun(report.runs.processed[0]?.key ?? "")) as RunRecord;
    expect(done.server?.broken).toBeNull();
    expect(done.server_notes?.broken).toMatch(/^Datadog rejected the query: /);
    expect(done.server?.latency_ms).toBeCloseTo(9, 6);
    expect(done.server?.topology_max).toBe(2);
  });

  it("completes runs from client data alone without Datadog keys, and says so once", async () => {
    const url = freshStore();
    const store = openStore(url, testDeps({ cwd: h.root }));
    for (let i = 0; i < 3; i++)
      await store.putRun(
        pendingRun({ service: "offline", version: "1", startMs: h.clock.now() - (30 + i) * 60_000 }),
      );
    const { outcome, report, stderr } = await aggregateOnce(await writeConfig(url, ["offline"]), {});
    expect(outcome).toBe("ok");
    expect(report.runs.processed).toHaveLength(3);
    expect(stderr.match(/Datadog keys not set/g)).toHaveLength(1);
    for (const r of await allRuns(store)) {
      expect(r.state).toBe("aggregated");
      expect(r.server).toEqual({});
    }
    expect(h.dd.requests()).toEqual([]);
    const blobs: string[] = [];
    for await (const b of store.listBlobs("")) blobs.push(b);
    // Only the index of finished runs and the service/env's released lease: no outbox, no ledger, nothing
    // queued for Datadog.
    expect(blobs.sort()).toEqual([
      "index/done/offline/stage.json",
      "index/history/offline/stage.json",
      "leases/offline/stage.json",
    ]);
  });

  it("--dry-run prints the queries and exact payloads, and sends and stores nothing", async () => {
    const url = freshStore();
    const store = openStore(url, testDeps({ cwd: h.root }));
    const run = pendingRun({ service: "dry", version: "3.1.4", startMs: h.clock.now() - 20 * 60_000 });
    await store.putRun(run);
    await seedServerMetrics(h.dd, "dry", h.clock.now() - 25 * 60_000, h.clock.now(), () => ({
      latency: 7,
      cpu: 1,
      hosts: 2,
    }));
    const seeded = h.dd.requests().length;
    const { outcome, stdout, stderr } = await aggregateOnce(
      await writeConfig(url, ["dry"]),
      datadogEnv(h.dd),
      {
        dryRun: true,
      },
    );
    expect(outcome).toBe("ok");
    expect(stdout).toContain("POST /api/v2/query/timeseries  dry/stage");
    expect(stdout).toContain("avg:app.latency{service:dry,env:stage}");
    expect(stdout).toContain("# POST /api/v2/series");
    expect(stdout).toContain(`"timestamp": ${Math.floor(Date.parse(run.started_at) / 1000)}`);
    expect(stdout).toContain('"metric": "dogdriver.run.server.latency_ms"');
    expect(stdout).toContain("dry stage: release 3.1.4 first seen");
    expect(stderr).toContain("dry run");
    // Only the query went out; the store is as it was.
    expect(
      h.dd
        .requests()
        .slice(seeded)
        .map((r) => r.path),
    ).toEqual(["/api/v2/query/timeseries"]);
    expect((await allRuns(store))[0]?.state).toBe("pending");
    const blobs: string[] = [];
    for await (const b of store.listBlobs("")) blobs.push(b);
    expect(blobs).toEqual([]);
  });

  it("--dry-run prints the same bodies the real call then sends (normalised tags, source type)", async () => {
    const url = freshStore();
    const store = openStore(url, testDeps({ cwd: h.root }));
    // Datadog's intake lowercases tags and turns "+" into "_": the dry run must show what is really sent.
    const run = pendingRun({
      service: "wire",
      version: "2.0.0+Build7",
      startMs: h.clock.now() - 20 * 60_000,
    });
    await store.putRun(run);
    await seedServerMetrics(h.dd, "wire", h.clock.now() - 25 * 60_000, h.clock.now(), () => ({
      latency: 7,
      cpu: 1,
      hosts: 2,
    }));
    const config = await writeConfig(url, ["wire"]);
    const { stdout } = await aggregateOnce(config, datadogEnv(h.dd), { dryRun: true });
    const printed = stdout
      .split(/^# /m)
      .filter((block) => block.startsWith("POST /api/v2/series") || block.startsWith("POST /api/v1/events"))
      .map((block) => JSON.parse(block.slice(block.indexOf("\n"))) as Record<string, unknown>);
    const printedEvents = printed.filter((b) => "title" in b);
    const printedSeries = printed.flatMap((b) => (b.series as { metric: string }[] | undefined) ?? []);
    expect(printedEvents).toHaveLength(1);

    const before = h.dd.requests().length;
    expect((await aggregateOnce(config, datadogEnv(h.dd))).outcome).toBe("ok");
    const sent = h.dd.requests().slice(before);
    expect(sent.filter((r) => r.path === "/api/v1/events").map((r) => r.body)).toEqual(printedEvents);
    const runSeries = (series: { metric: string }[]) =>
      series
        .filter((s) => s.metric.startsWith("dogdriver.run."))
        .sort((a, b) => a.metric.localeCompare(b.metric));
    const sentSeries = sent
      .filter((r) => r.path === "/api/v2/series")
      .flatMap((r) => (r.body as { series: { metric: string }[] }).series);
    expect(runSeries(printedSeries)).toHaveLength(15); // 11 client gauges, 2 queries, topology min and max
    expect(runSeries(sentSeries)).toEqual(runSeries(printedSeries));
    expect(JSON.stringify(printedEvents)).toContain("version:2.0.0_build7");
  });

  it("rebuilds the history of finished runs from the records when it is out of step with the key index", async () => {
    const url = freshStore();
    const store = openStore(url, testDeps({ cwd: h.root }));
    const config = await writeConfig(url, ["hist"]);
    for (const ago of [40, 35, 30])
      await store.putRun(
        pendingRun({ service: "hist", version: "1", startMs: h.clock.now() - ago * 60_000 }),
      );
    await aggregateOnce(config, datadogEnv(h.dd));
    const history = async () =>
      (
        JSON.parse((await store.readBlob("index/history/hist/stage.json"))?.body ?? "{}") as {
          records?: RunRecord[];
        }
      ).records ?? [];
    expect(await history()).toHaveLength(3);

    await store.deleteBlob("index/history/hist/stage.json"); // a lost write, or a damaged blob
    await store.putRun(pendingRun({ service: "hist", version: "1", startMs: h.clock.now() - 25 * 60_000 }));
    const { report } = await aggregateOnce(config, datadogEnv(h.dd));
    expect(report.runs.processed).toHaveLength(1);
    const rebuilt = await history();
    expect(rebuilt).toHaveLength(4);
    expect(rebuilt.every((r) => r.state === "aggregated")).toBe(true);
  });
});
