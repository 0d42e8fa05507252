import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Emulator, startDatadogEmulator } from "../support/datadog-emulator/index.js";

// The emulator's query answers, computed from known points, in Datadog's wire shapes (raw HTTP, snake_case).

const T = 1_795_003_200; // seconds, a multiple of 3600 (so of every bucket size)
let dd: Emulator;
beforeAll(async () => {
  dd = await startDatadogEmulator({ nowMs: () => (T + 600) * 1000 });
  const series = [
    // cpu on three hosts of kinto/stage, one of them on another version; one host of another service.
    {
      metric: "system.cpu.user",
      tags: ["service:kinto", "env:stage", "host:a", "version:1"],
      points: [
        [T, 10],
        [T + 30, 30],
        [T + 60, 50],
      ],
    },
    {
      metric: "system.cpu.user",
      tags: ["service:kinto", "env:stage", "host:b", "version:1"],
      points: [
        [T, 20],
        [T + 60, 0],
      ],
    },
    {
      metric: "system.cpu.user",
      tags: ["service:kinto", "env:stage", "host:c", "version:2"],
      points: [[T + 60, 90]],
    },
    { metric: "system.cpu.user", tags: ["service:other", "env:stage", "host:d"], points: [[T, 1000]] },
    // APM's trace metric per resource, named as a tracer does (the intake makes the tag "get_/items/_").
    {
      metric: "trace.http.request.duration",
      tags: ["service:shop", "env:stage", "resource_name:GET /items/?", "host:a"],
      points: [
        [T, 0.02],
        [T + 60, 0.04],
      ],
    },
    {
      metric: "trace.http.request.duration",
      tags: ["service:shop", "env:stage", "resource_name:GET /items/?", "host:b"],
      points: [[T, 0.01]],
    },
    {
      metric: "trace.http.request.duration",
      tags: ["service:shop", "env:stage", "resource_name:POST /api/cart"],
      points: [[T + 60, 0.03]],
    },
    {
      metric: "trace.http.request.duration",
      tags: ["service:kinto", "env:stage"],
      points: [
        [T, 0.05],
        [T + 60, 0.07],
      ],
    },
  ].map((s) => ({ ...s, type: 3, points: s.points.map(([timestamp, value]) => ({ timestamp, value })) }));
  const res = await post("/api/v2/series", { series }, { "DD-API-KEY": dd.apiKey });
  expect(res.status).toBe(202);
});
afterAll(async () => dd?.close());

const post = (path: string, body: unknown, headers: Record<string, string> = keys()) =>
  fetch(`${dd.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
const keys = () => ({ "DD-API-KEY": dd.apiKey, "DD-APPLICATION-KEY": dd.appKey });

const scalar = async (query: string, aggregator = "avg", from = T, to = T + 120) => {
  const res = await post("/api/v2/query/scalar", {
    data: {
      type: "scalar_request",
      attributes: {
        from: from * 1000,
        to: to * 1000,
        queries: [{ data_source: "metrics", name: "a", query, aggregator }],
      },
    },
  });
  expect(res.status).toBe(200);
  return (await res.json()) as {
    data: { attributes: { columns: { name: string; type: string; values: unknown[] }[] } };
  };
};
const one = async (query: string, aggregator = "avg") =>
  (await scalar(query, aggregator)).data.attributes.columns[0]?.values[0];

describe("scalar", () => {
  // With a 120 s window the interval is 1 s, so each point is its own bucket: values are exact.
  it.each([
    // Buckets T: avg(10, 20); T+30: 30; T+60: avg(50, 0, 90).
    ["avg:system.cpu.user{service:kinto,env:stage}", "avg", (15 + 30 + 140 / 3) / 3],
    ["sum:system.cpu.user{service:kinto}", "max", 140],
    ["max:system.cpu.user{service:kinto}", "max", 90],
    ["min:system.cpu.user{service:kinto}", "min", 0],
    ["count:system.cpu.user{service:kinto}", "max", 3],
    ["avg:system.cpu.user{service:kinto,!host:c}", "last", 25],
    ["avg:system.cpu.user{host:a}", "sum", 90],
    ["avg:trace.http.request.duration{service:kinto,env:stage} * 1000", "avg", 60],
    // At T+60 every series of the metric: kinto 0.07, shop 0.04 and 0.03.
    ["avg:trace.http.request.duration{*} / 1000", "max", (0.07 + 0.04 + 0.03) / 3 / 1000],
    ["count_nonzero(avg:system.cpu.user{service:kinto} by {host})", "max", 2],
    ["count_nonzero(avg:system.cpu.user{service:kinto} by {host})", "min", 1],
  ])("%s (%s) = %s", async (query, aggregator, expected) => {
    expect(await one(query, aggregator)).toBeCloseTo(expected, 9);
  });

  it("answers an ungrouped query without data with an empty column, as Datadog does", async () => {
    const { columns } = (await scalar("avg:system.cpu.user{service:nobody}", "avg")).data.attributes;
    expect(columns).toEqual([{ name: "a", type: "number", values: [], meta: { unit: null } }]);
  });

  it("answers groups with a group column and one row per group", async () => {
    const { columns } = (await scalar("max:system.cpu.user{service:kinto} by {version}", "max")).data
      .attributes;
    expect(columns).toEqual([
      { name: "version", type: "group", values: [["1"], ["2"]] },
      { name: "a", type: "number", values: [50, 90], meta: { unit: null } },
    ]);
  });

  it("rolls points up into the interval's buckets before aggregating across hosts", async () => {
    // 10 h window -> 120 s buckets: host a averages (10, 30, 50) = 30, host b (20, 0) = 10, host c 90.
    const res = await post("/api/v2/query/timeseries", {
      data: {
        type: "timeseries_request",
        attributes: {
          from: T * 1000,
          to: (T + 36_000) * 1000,
          queries: [
            { data_source: "metrics", name: "cpu", query: "avg:system.cpu.user{service:kinto} by {host}" },
          ],
        },
      },
    });
    const body = (await res.json()) as {
      data: { attributes: { times: number[]; values: (number | null)[][]; series: unknown[] } };
    };
    expect(body.data.attributes.times[0]).toBe(T * 1000);
    expect(body.data.attributes.times.slice(0, 2)).toEqual([T * 1000, (T + 120) * 1000]);
    expect(body.data.attributes.values.map((v) => v[0])).toEqual([30, 10, 90]);
    expect(body.data.attributes.series).toEqual([
      { group_tags: ["host:a"], query_index: 0, unit: null },
      { group_tags: ["host:b"], query_index: 0, unit: null },
      { group_tags: ["host:c"], query_index: 0, unit: null },
    ]);
  });

  it("applies formulas over named queries", async () => {
    const res = await post("/api/v2/query/timeseries", {
      data: {
        type: "timeseries_request",
        attributes: {
          from: T * 1000,
          to: (T + 61) * 1000,
          interval: 60_000,
          queries: [
            { data_source: "metrics", name: "a", query: "sum:system.cpu.user{service:kinto}" },
            { data_source: "metrics", name: "b", query: "count:system.cpu.user{service:kinto}" },
          ],
          formulas: [{ formula: "a / b" }],
        },
      },
    });
    const body = (await res.json()) as { data: { attributes: { values: (number | null)[][] } } };
    // bucket T: a = avg(10,30) + 20 = 40 over 2 hosts; bucket T+60: (50 + 0 + 90) / 3.
    expect(body.data.attributes.values).toEqual([[20, 140 / 3]]);
  });

  it("a query it cannot parse is a 400 that quotes it", async () => {
    const res = await post("/api/v2/query/scalar", {
      data: {
        type: "scalar_request",
        attributes: {
          from: T * 1000,
          to: (T + 60) * 1000,
          queries: [{ data_source: "metrics", name: "a", query: "p42:x{", aggregator: "avg" }],
        },
      },
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { errors: string[] }).errors[0]).toMatch(
      /^Error parsing query: .*'p42:x\{'$/,
    );
  });
});

describe("v1 query", () => {
  it("answers a query grouped by APM resource with a series per resource, its tag as Datadog stores it", async () => {
    const query = "avg:trace.http.request.duration{service:shop,env:stage} by {resource_name} * 1000";
    const res = await post("/api/v2/query/timeseries", {
      data: {
        type: "timeseries_request",
        attributes: {
          from: T * 1000,
          to: (T + 120) * 1000,
          interval: 60_000,
          queries: [{ data_source: "metrics", name: "endpoint_query", query }],
        },
      },
    });
    const body = (await res.json()) as {
      data: { attributes: { times: number[]; values: (number | null)[][]; series: unknown[] } };
    };
    expect(body.data.attributes.times).toEqual([T * 1000, (T + 60) * 1000]);
    expect(body.data.attributes.series).toEqual([
      { group_tags: ["resource_name:get_/items/_"], query_index: 0, unit: null },
      { group_tags: ["resource_name:post_/api/cart"], query_index: 0, unit: null },
    ]);
    // Hosts averaged per bucket, seconds to ms by the query's "* 1000"; no point, null.
    const [items, cart] = body.data.attributes.values;
    expect(items?.[0]).toBeCloseTo(15, 9);
    expect(items?.[1]).toBeCloseTo(40, 9);
    expect(cart).toEqual([null, 30]);
    // The v1 endpoint: one series per resource, its scope and tag set naming it.
    const v1 = await fetch(
      `${dd.url}/api/v1/query?from=${T}&to=${T + 120}&query=${encodeURIComponent(query)}`,
      { headers: keys() },
    );
    const v1Body = (await v1.json()) as { series: { scope: string; tag_set: string[] }[] };
    expect(v1Body.series.map((s) => [s.scope, s.tag_set])).toEqual([
      ["service:shop,env:stage,resource_name:get_/items/_", ["resource_name:get_/items/_"]],
      ["service:shop,env:stage,resource_name:post_/api/cart", ["resource_name:post_/api/cart"]],
    ]);
  });

  it("answers Datadog's v1 shape with pointlists in milliseconds", async () => {
    const query = "avg:system.cpu.user{service:kinto} by {version}";
    const res = await fetch(
      `${dd.url}/api/v1/query?from=${T}&to=${T + 120}&query=${encodeURIComponent(query)}`,
      { headers: keys() },
    );
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown> & { series: Record<string, unknown>[] };
    expect(body).toMatchObject({
      status: "ok",
      res_type: "time_series",
      query,
      from_date: T * 1000,
      to_date: (T + 120) * 1000,
      group_by: ["version"],
    });
    expect(body.series.map((s) => [s.scope, s.tag_set, s.pointlist])).toEqual([
      [
        "service:kinto,version:1",
        ["version:1"],
        [
          [T * 1000, 15],
          [(T + 30) * 1000, 30],
          [(T + 60) * 1000, 25],
        ],
      ],
      ["service:kinto,version:2", ["version:2"], [[(T + 60) * 1000, 90]]],
    ]);
    expect(body.series[0]).toMatchObject({ metric: "system.cpu.user", aggr: "avg", interval: 1, length: 3 });
  });
});

describe("auth per endpoint", () => {
  it("series and v1 events take the API key alone; queries, dashboards and monitors need both keys", async () => {
    const apiOnly = { "DD-API-KEY": dd.apiKey };
    expect((await post("/api/v2/series", { series: [] }, apiOnly)).status).toBe(202);
    expect((await post("/api/v1/events", { title: "t", text: "x" }, apiOnly)).status).toBe(202);
    for (const [method, path] of [
      ["POST", "/api/v2/query/scalar"],
      ["POST", "/api/v2/query/timeseries"],
      ["GET", "/api/v1/query?from=1&to=2&query=avg:m{*}"],
      ["GET", "/api/v1/dashboard"],
      ["GET", "/api/v1/monitor"],
      ["POST", "/api/v1/monitor/validate"],
    ] as const) {
      const res = await fetch(`${dd.url}${path}`, {
        method,
        headers: apiOnly,
        ...(method === "POST" ? { body: "{}" } : {}),
      });
      expect([path, res.status, await res.json()]).toEqual([path, 403, { errors: ["Forbidden"] }]);
    }
    expect((await post("/api/v2/series", { series: [] }, { "DD-API-KEY": "wrong" })).status).toBe(403);
  });
});
