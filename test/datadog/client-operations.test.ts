import type { v1 } from "@datadog/datadog-api-client";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { DatadogError } from "../../src/datadog/datadog-error.js";
import { type Fixture, startFixture } from "./client-fixture.js";

// Every operation dogdriver uses, through the official client, over a real socket to the emulator.

let f: Fixture;
const nowMs = () => Math.floor(Date.now() / 60_000) * 60_000 - 10 * 60_000; // a minute boundary 10 min ago
const tags = ["service:kinto", "env:stage", "version:1.2.0", "location:ci", "test:dogdriver"];

beforeEach(async () => {
  f ??= await startFixture();
  f.dd.reset();
});
afterAll(async () => f?.dd.close());

const dashboard = (title: string): v1.Dashboard => ({
  title,
  layoutType: "ordered",
  description: "managed by dogdriver",
  widgets: [
    {
      definition: {
        type: "timeseries",
        title: "p95",
        requests: [
          {
            responseFormat: "timeseries",
            queries: [
              { dataSource: "metrics", name: "a", query: "avg:dogdriver.run.latency.p95{*} by {version}" },
            ],
            formulas: [{ formula: "a" }],
            displayType: "line",
          },
        ],
      },
    },
  ],
});

const monitor = (threshold: number, critical: number): v1.Monitor => ({
  name: "kinto regression",
  type: "query alert",
  query: `max(last_1h):max:dogdriver.release.verdict{service:kinto} >= ${threshold}`,
  message: "@slack-perf",
  tags: ["managed_by:dogdriver", "service:kinto"],
  options: { thresholds: { critical } },
});

describe("metrics", () => {
  it("submits gauges gzipped, with timestamps in seconds and normalised tags", async () => {
    const t = nowMs();
    const result = await f.datadog.submitMetrics([
      {
        metric: "dogdriver.run.rps",
        tags: [...tags, "Region:EU West"],
        points: [{ timestampMs: t + 999, value: 20.5 }],
      },
    ]);
    expect(result).toEqual({ requests: 1, points: 1 });
    const [request] = f.dd.requests();
    expect(request).toMatchObject({
      method: "POST",
      path: "/api/v2/series",
      status: 202,
      contentEncoding: "gzip",
    });
    expect(f.dd.points()).toEqual([
      {
        metric: "dogdriver.run.rps",
        tags: [...tags, "region:eu_west"].sort(),
        timestamp: t / 1000,
        value: 20.5,
        type: 3,
      },
    ]);
    expect(f.dd.droppedPoints()).toEqual([]);
    expect(f.datadog.calls()).toMatchObject({ submissions: 1 });
  });

  it("refuses a metric name Datadog would rewrite, naming it, before sending anything", async () => {
    const bad = f.datadog.submitMetrics([
      { metric: "dogdriver.run.ok", tags, points: [{ timestampMs: nowMs(), value: 1 }] },
      { metric: "dogdriver.run latency", tags, points: [{ timestampMs: nowMs(), value: 1 }] },
    ]);
    await expect(bad).rejects.toMatchObject({
      code: "invalid_input",
      message: expect.stringContaining('"dogdriver.run latency"'),
    });
    expect(f.dd.requests()).toEqual([]);
  });

  it("answers scalar and timeseries queries from the submitted points", async () => {
    const t = nowMs();
    await f.datadog.submitMetrics([
      {
        metric: "web.latency",
        tags: ["service:kinto", "host:a"],
        points: [
          { timestampMs: t, value: 0.1 },
          { timestampMs: t + 60_000, value: 0.3 },
        ],
      },
      { metric: "web.latency", tags: ["service:kinto", "host:b"], points: [{ timestampMs: t, value: 0.2 }] },
      { metric: "web.latency", tags: ["service:other", "host:c"], points: [{ timestampMs: t, value: 9 }] },
    ]);
    const scalar = await f.datadog.queryScalar(
      t,
      t + 120_000,
      [
        { name: "latency_ms", query: "avg:web.latency{service:kinto} * 1000" },
        { name: "hosts", query: "count_nonzero(avg:web.latency{service:kinto} by {host})" },
        { name: "none", query: "avg:web.latency{service:nobody}" },
      ],
      "max",
    );
    // Per 60 s bucket: t -> avg(0.1, 0.2) = 0.15, t+60 -> 0.3; max over the window = 0.3 -> 300 ms.
    expect(scalar.values.latency_ms).toBeCloseTo(300, 9);
    expect(scalar.values.hosts).toBe(2);
    expect(scalar.values.none).toBeNull();

    const series = await f.datadog.queryTimeseries(
      t,
      t + 120_000,
      [{ name: "p", query: "max:web.latency{service:kinto} by {host}" }],
      60_000,
    );
    expect(series.series.map((s) => [s.name, s.groupTags, s.values])).toEqual([
      ["p", ["host:a"], [0.1, 0.3]],
      ["p", ["host:b"], [0.2, null]],
    ]);
    expect(series.series[0]?.timesMs).toEqual([t, t + 60_000]);
    expect(f.datadog.calls().queries).toBe(2);
  });
});

describe("events", () => {
  it("posts a v1 event with the date in seconds and the aggregation key", async () => {
    const t = nowMs();
    await f.datadog.postEvent({
      title: "kinto 1.2.0 released",
      text: "first seen",
      tags,
      aggregationKey: "kinto-stage-1.2.0",
      alertType: "info",
      timestampMs: t + 500,
    });
    expect(f.dd.events()).toEqual([
      expect.objectContaining({
        title: "kinto 1.2.0 released",
        tags: [...tags].sort(),
        aggregation_key: "kinto-stage-1.2.0",
        alert_type: "info",
        date_happened: t / 1000,
      }),
    ]);
    expect(f.dd.requests()[0]).toMatchObject({ appKey: "missing", apiKey: "valid" });
  });
});

describe("dashboards", () => {
  it("creates, lists, gets, updates and deletes", async () => {
    const created = await f.datadog.createDashboard(dashboard("dogdriver"));
    expect(created.id).toMatch(/^[a-z0-9]{3}-[a-z0-9]{3}-[a-z0-9]{3}$/);
    const id = created.id ?? "";
    expect((await f.datadog.listDashboards()).map((d) => [d.id, d.title, d.description])).toEqual([
      [id, "dogdriver", "managed by dogdriver"],
    ]);
    expect((await f.datadog.getDashboard(id)).widgets[0]?.definition).toMatchObject({ type: "timeseries" });
    const updated = await f.datadog.updateDashboard(id, dashboard("dogdriver v2"));
    expect(updated.title).toBe("dogdriver v2");
    await f.datadog.deleteDashboard(id);
    expect(f.dd.dashboards()).toEqual([]);
    await expect(f.datadog.getDashboard(id)).rejects.toMatchObject({
      status: 404,
      message: expect.stringContaining(`getting dashboard ${id}`),
    });
  });

  it("an invalid dashboard is a 400 with Datadog's reason", async () => {
    // Fits the client's model, but a free layout needs a position for every widget.
    const error = await f.datadog
      .createDashboard({ ...dashboard("broken"), layoutType: "free" })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatadogError);
    expect(error).toMatchObject({ status: 400, code: "datadog" });
    expect((error as Error).message).toBe(
      "Datadog refused creating a dashboard (400): Invalid widget definition at position 0 of type timeseries. Error: 'layout' is a required property.",
    );
    expect(f.dd.dashboards()).toEqual([]);
  });

  it("a dashboard the client's model refuses fails before sending, as invalid input", async () => {
    const broken = dashboard("broken");
    (broken.widgets[0]?.definition as unknown as { requests?: unknown }).requests = undefined;
    await expect(f.datadog.createDashboard(broken)).rejects.toMatchObject({
      code: "invalid_input",
      message: expect.stringMatching(
        /^creating a dashboard: the Datadog client refused it: a value fits none of the allowed models/,
      ),
    });
    expect(f.dd.requests()).toEqual([]);
  });
});

describe("monitors", () => {
  it("validates, creates, lists by monitor tag, gets, updates and deletes", async () => {
    await f.datadog.validateMonitor(monitor(1, 1));
    const created = await f.datadog.createMonitor(monitor(1, 1));
    await f.datadog.createMonitor({ ...monitor(1, 1), tags: ["team:other"] });
    expect((await f.datadog.listMonitors("managed_by:dogdriver")).map((m) => m.id)).toEqual([created.id]);
    expect((await f.datadog.getMonitor(created.id ?? 0)).query).toBe(monitor(1, 1).query);
    const updated = await f.datadog.updateMonitor(created.id ?? 0, { message: "@pagerduty-web" });
    expect(updated.message).toBe("@pagerduty-web");
    await f.datadog.deleteMonitor(created.id ?? 0);
    expect(f.dd.monitors().map((m) => m.tags)).toEqual([["team:other"]]);
  });

  it("a threshold that differs from options.thresholds.critical is refused with Datadog's reason", async () => {
    await expect(f.datadog.validateMonitor(monitor(1, 2))).rejects.toMatchObject({
      status: 400,
      message: expect.stringContaining("Alert threshold (2) does not match that used in the query (1)."),
    });
    await expect(f.datadog.createMonitor(monitor(1, 2))).rejects.toMatchObject({ status: 400 });
    expect(f.dd.monitors()).toEqual([]);
  });
});

describe("query answers dogdriver cannot use", () => {
  it("a grouped scalar query is a configuration error naming it", async () => {
    const t = nowMs();
    await f.datadog.submitMetrics([
      { metric: "web.cpu", tags: ["host:a"], points: [{ timestampMs: t, value: 1 }] },
      { metric: "web.cpu", tags: ["host:b"], points: [{ timestampMs: t, value: 2 }] },
    ]);
    await expect(
      f.datadog.queryScalar(t, t + 60_000, [{ name: "cpu", query: "avg:web.cpu{*} by {host}" }]),
    ).rejects.toMatchObject({
      code: "invalid_config",
      message:
        'query cpu (avg:web.cpu{*} by {host}) answered 2 groups; dogdriver needs one number per query (drop its "by {...}" or wrap it, e.g. count_nonzero(...))',
    });
  });

  it("a query Datadog cannot parse is a 400 quoting it", async () => {
    const t = nowMs();
    await expect(
      f.datadog.queryScalar(t, t + 60_000, [{ name: "x", query: "avg:web.cpu{" }]),
    ).rejects.toMatchObject({
      status: 400,
      message: expect.stringContaining(
        "Datadog refused querying metrics (scalar) (400): Error parsing query",
      ),
    });
  });
});
