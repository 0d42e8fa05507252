import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { type Emulator, startDatadogEmulator } from "../support/datadog-emulator/index.js";

// The emulator's checks on series, dashboards and monitors, and its faults, seen as raw HTTP (Datadog's JSON).

let dd: Emulator;
beforeEach(async () => {
  dd ??= await startDatadogEmulator();
  dd.reset();
});
afterAll(async () => dd?.close());

const call = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(`${dd.url}${path}`, {
    method,
    headers: { "DD-API-KEY": dd.apiKey, "DD-APPLICATION-KEY": dd.appKey, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
  });
  return {
    status: res.status,
    headers: res.headers,
    body: (await res.json()) as Record<string, unknown> & { errors?: string[] },
  };
};

const metricMonitor = (query: string, options: unknown = {}) => ({
  name: "m",
  type: "query alert",
  query,
  options,
  tags: ["managed_by:dogdriver"],
});

describe("series", () => {
  it.each([
    ["not JSON", "{", "Malformed JSON"],
    ["no points", { series: [{ metric: "m" }] }, "Invalid payload: missing required property 'points'"],
    [
      "a value that is not a number",
      { series: [{ metric: "m", points: [{ timestamp: 1, value: "1" }] }] },
      "Invalid payload: a field has the wrong type (expected number)",
    ],
    [
      "an unknown type",
      { series: [{ metric: "m", type: 7, points: [] }] },
      "Invalid payload: a value is not one of the allowed values",
    ],
  ])("%s is a 400", async (_, body, reason) => {
    expect(await call("POST", "/api/v2/series", body)).toMatchObject({
      status: 400,
      body: { errors: [reason] },
    });
  });
});

describe("series encodings", () => {
  it("accepts deflate as the official client sends it, with the host resource as a host tag", async () => {
    const { deflateSync } = await import("node:zlib");
    const timestamp = Math.floor(Date.now() / 1000) - 60;
    const body = {
      series: [
        {
          metric: "m.deflated",
          type: 3,
          points: [{ timestamp, value: 4 }],
          resources: [{ name: "Web-1", type: "host" }],
          tags: ["Env:Prod"],
        },
      ],
    };
    const res = await fetch(`${dd.url}/api/v2/series`, {
      method: "POST",
      headers: { "DD-API-KEY": dd.apiKey, "content-type": "application/json", "content-encoding": "deflate" },
      body: new Uint8Array(deflateSync(JSON.stringify(body))),
    });
    expect(res.status).toBe(202);
    expect(dd.points()).toEqual([
      { metric: "m.deflated", tags: ["env:prod", "host:Web-1"], timestamp, value: 4, type: 3 },
    ]);
  });
});

describe("dashboards", () => {
  const widget = (definition: unknown, layout?: unknown) => ({ definition, ...(layout ? { layout } : {}) });
  const note = { type: "note", content: "hello" };

  it.each([
    [{ title: "x", layout_type: "ordered" }, "Invalid dashboard: missing required property 'widgets'"],
    [
      { title: "x", layout_type: "sideways", widgets: [] },
      "Invalid dashboard: layout_type must be 'ordered' or 'free', got 'sideways'",
    ],
    [
      { title: "x", layout_type: "ordered", widgets: [widget(note), widget({ type: "timeseries" })] },
      "Invalid widget definition at position 1 of type timeseries. Error: missing required property 'requests'.",
    ],
    [
      { title: "x", layout_type: "ordered", widgets: [widget({ type: "sparkles" })] },
      "Invalid widget definition at position 0 of type sparkles. Error: 'sparkles' is not a valid widget type.",
    ],
    [
      { title: "x", layout_type: "ordered", reflow_type: "fixed", widgets: [widget(note)] },
      "Invalid widget definition at position 0 of type note. Error: 'layout' is a required property.",
    ],
    [
      {
        title: "x",
        layout_type: "ordered",
        widgets: [
          widget({
            type: "group",
            layout_type: "ordered",
            widgets: [widget({ type: "query_value", requests: [{}, {}] })],
          }),
        ],
      },
      "Invalid widget definition at position 0 of type query_value. Error: exactly one request is allowed.",
    ],
  ])("%j is refused", async (body, reason) => {
    expect(await call("POST", "/api/v1/dashboard", body)).toEqual(
      expect.objectContaining({ status: 400, body: { errors: [reason] } }),
    );
    expect(dd.dashboards()).toEqual([]);
  });

  it("keeps a valid one as sent, with Datadog's read-only fields added and a PUT replacing it", async () => {
    const created = await call("POST", "/api/v1/dashboard", {
      title: "Dogdriver",
      layout_type: "ordered",
      widgets: [widget(note)],
      id: "ignored",
    });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({
      title: "Dogdriver",
      layout_type: "ordered",
      url: `/dashboard/${created.body.id}/dogdriver`,
    });
    expect(created.body.id).not.toBe("ignored");
    const replaced = await call("PUT", `/api/v1/dashboard/${created.body.id}`, {
      title: "Other",
      layout_type: "free",
      widgets: [widget(note, { x: 0, y: 0, width: 4, height: 2 })],
    });
    expect(replaced.body).toMatchObject({
      id: created.body.id,
      title: "Other",
      created_at: created.body.created_at,
    });
    expect(
      (
        await call("PUT", "/api/v1/dashboard/nope-nop-nop", {
          title: "x",
          layout_type: "ordered",
          widgets: [],
        })
      ).status,
    ).toBe(404);
  });
});

describe("monitors", () => {
  it.each([
    [
      metricMonitor("avg(last_5m):avg:dogdriver.release.verdict{*} > 0", { thresholds: { critical: 0.5 } }),
      "Alert threshold (0.5) does not match that used in the query (0).",
    ],
    [
      metricMonitor("avg(last_5m):avg:m{*} > 1", { thresholds: { warning: 0.5 } }),
      "Alert status is required.",
    ],
    [
      metricMonitor("avg(last_5m):avg:m{*} > 1", { thresholds: { critical: 1, warning: 2 } }),
      "Warning threshold (2) must be less than the alert threshold (1) with the > comparator.",
    ],
    [
      metricMonitor("avg(last_200h):avg:m{*} > 1"),
      "The value provided for parameter 'query' is invalid: window 'last_200h'",
    ],
    [
      metricMonitor("avg:m{*} > 1"),
      "The value provided for parameter 'query' is invalid: expected time_aggr(time_window):",
    ],
    [
      metricMonitor("avg(last_5m):avg:m{*}"),
      "The value provided for parameter 'query' is invalid: missing a comparison with a threshold",
    ],
    [
      { name: "m", type: "bogus alert", query: "x" },
      "Invalid monitor: a value is not one of the allowed values (type, priority, options)",
    ],
    [{ name: "m", type: "query alert" }, "Invalid monitor: missing required property 'query'"],
  ])("%j is refused", async (body, reason) => {
    for (const path of ["/api/v1/monitor/validate", "/api/v1/monitor"]) {
      expect(await call("POST", path, body)).toEqual(
        expect.objectContaining({ status: 400, body: { errors: [reason] } }),
      );
    }
  });

  it("accepts change alerts and the threshold of a valid query, searches and lists by monitor tag", async () => {
    const change = metricMonitor(
      "pct_change(avg(last_1h),1d_ago):avg:dogdriver.run.latency.p95{service:kinto} > 15",
      { thresholds: { critical: 15 } },
    );
    expect(await call("POST", "/api/v1/monitor/validate", change)).toEqual(
      expect.objectContaining({ status: 200, body: {} }),
    );
    const a = await call("POST", "/api/v1/monitor", { ...change, name: "kinto latency" });
    await call("POST", "/api/v1/monitor", {
      ...metricMonitor("avg(last_5m):avg:m{*} > 1"),
      name: "other",
      tags: ["team:x"],
    });
    expect((await call("GET", "/api/v1/monitor?monitor_tags=managed_by:dogdriver")).body).toEqual([
      expect.objectContaining({ id: a.body.id }),
    ]);
    const search = await call(
      "GET",
      `/api/v1/monitor/search?query=${encodeURIComponent('tag:"managed_by:dogdriver" kinto')}`,
    );
    expect(search.body).toMatchObject({
      metadata: { total_count: 1 },
      monitors: [{ id: a.body.id, name: "kinto latency", status: "No Data" }],
    });
    const bad = await call("PUT", `/api/v1/monitor/${a.body.id}`, {
      options: { thresholds: { critical: 20 } },
    });
    expect(bad).toMatchObject({
      status: 400,
      body: { errors: ["Alert threshold (20) does not match that used in the query (15)."] },
    });
    expect(await call("DELETE", `/api/v1/monitor/${a.body.id}`)).toMatchObject({
      status: 200,
      body: { deleted_monitor_id: a.body.id },
    });
    expect((await call("GET", `/api/v1/monitor/${a.body.id}`)).status).toBe(404);
  });
});

describe("faults", () => {
  it("a 429 carries Datadog's X-RateLimit-* headers; faults can be scoped to a path and method", async () => {
    dd.inject({ status: 429, resetSeconds: 7, path: "/api/v1/dashboard", method: "GET", times: 2 });
    expect((await call("GET", "/api/v1/monitor")).status).toBe(200);
    const limited = await call("GET", "/api/v1/dashboard");
    expect(limited.status).toBe(429);
    expect(Object.fromEntries([...limited.headers].filter(([k]) => k.startsWith("x-ratelimit")))).toEqual({
      "x-ratelimit-limit": "100",
      "x-ratelimit-period": "60",
      "x-ratelimit-remaining": "0",
      "x-ratelimit-reset": "7",
      "x-ratelimit-name": "emulator_fault",
    });
    expect((await call("GET", "/api/v1/dashboard")).status).toBe(429);
    expect((await call("GET", "/api/v1/dashboard")).status).toBe(200);
    expect(dd.requests().map((r) => r.status)).toEqual([200, 429, 429, 200]);
  });
});
