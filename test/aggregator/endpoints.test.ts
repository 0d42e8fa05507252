import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openStore } from "../../src/store/open-store.js";
import type { EndpointEntry, RunRecord } from "../../src/store/run-record.js";
import type { RunStore } from "../../src/store/types.js";
import type { Emulator } from "../support/datadog-emulator/index.js";
import { testDeps } from "../support/deps.js";
import { aggregateWith, datadogEnv, ENV, pendingRun, RUN_MS, useHarness, writeConfig } from "./fixtures.js";

// The server's latency per endpoint from a grouped APM query, joined to the run record's endpoints, and the
// per-endpoint gauges pushed to Datadog: real aggregator, real client, the Datadog emulator.

const h = useHarness("endpoints");
const MINUTE = 60_000;

const entry = (name: string, requests: number, p50: number, extra: Partial<EndpointEntry> = {}) =>
  ({
    name,
    requests,
    errors: 1,
    latency_ms: { p50, p95: p50 * 1.2, p99: p50 * 1.5 },
    ...extra,
  }) as EndpointEntry;

/** A pending dogdriver.run.v2 record with three endpoints and the merged "other". */
const runWithEndpoints = (startMs: number): RunRecord => {
  const run = pendingRun({ service: "shop", version: "1.0.0", startMs });
  return {
    ...run,
    schema: "dogdriver.run.v2",
    client: {
      ...run.client,
      endpoints: [
        entry("GET /items/{id}", 800, 20),
        entry("POST /api/cart", 300, 30),
        entry("checkout", 90, 50),
        entry("other", 10, 5, { other: true }),
      ],
    },
  };
};

/** APM's trace metric (seconds) per resource as a tracer names it, every 10 s. */
const seedApm = async (dd: Emulator, fromMs: number, toMs: number, resources: Record<string, number>) => {
  const series = Object.entries(resources).map(([resource, seconds]) => {
    const points: { timestamp: number; value: number }[] = [];
    for (let t = Math.ceil(fromMs / 10_000) * 10_000; t < toMs; t += 10_000)
      points.push({ timestamp: t / 1000, value: seconds });
    return {
      metric: "trace.http.request.duration",
      type: 3,
      tags: ["service:shop", `env:${ENV}`, `resource_name:${resource}`],
      points,
    };
  });
  const response = await fetch(`${dd.url}/api/v2/series`, {
    method: "POST",
    headers: { "content-type": "application/json", "dd-api-key": dd.apiKey },
    body: JSON.stringify({ series }),
  });
  expect(response.status).toBe(202);
};

const setup = async (name: string, endpointQuery: unknown) => {
  const url = `file://${join(h.root, name)}`;
  const store = openStore(url, testDeps({ cwd: h.root }));
  const config = await writeConfig(url, ["shop"]);
  const raw = JSON.parse(await readFile(config, "utf8"));
  raw.services[0].endpoint_query = endpointQuery;
  await writeFile(config, JSON.stringify(raw));
  return { store, config };
};

const onlyRun = async (store: RunStore): Promise<RunRecord> => {
  const runs: RunRecord[] = [];
  for await (const r of store.listRuns()) runs.push(r);
  expect(runs).toHaveLength(1);
  return runs[0] as RunRecord;
};

describe("the server's latency per endpoint", () => {
  it("comes from one grouped query, matched to the endpoints by name, in ms; endpoint gauges go to Datadog", async () => {
    const { store, config } = await setup("joined", true);
    const start = Math.floor((h.clock.now() - 30 * MINUTE) / 10_000) * 10_000;
    const run = runWithEndpoints(start);
    await store.putRun(run);
    await seedApm(h.dd, start - MINUTE, start + RUN_MS + MINUTE, {
      "GET /items/?": 0.018,
      "POST /api/cart": 0.031,
      "GET /health": 0.001,
    });

    const { outcome, report } = await aggregateWith(h, config, datadogEnv(h.dd));
    expect(outcome).toBe("ok");
    const done = await onlyRun(store);
    expect(done.schema).toBe("dogdriver.run.v2");
    expect(done.client.endpoints?.map((e) => [e.name, e.server_ms])).toEqual([
      ["GET /items/{id}", 18],
      ["POST /api/cart", 31],
      ["checkout", undefined],
      ["other", undefined],
    ]);
    expect(done.server_notes?.endpoint_query).toBeUndefined();

    // The service's queries in one call, the grouped query in one more.
    const queries = h.dd.requests().filter((r) => r.path === "/api/v2/query/timeseries");
    expect(queries).toHaveLength(2);
    expect(report.calls.queries).toBe(2);
    expect(JSON.stringify(queries[1]?.body)).toContain(
      "avg:trace.http.request.duration{service:shop,env:stage} by {resource_name} * 1000",
    );

    // Per-endpoint gauges: the run's tags plus endpoint:, under names of their own.
    const at = Math.floor(start / 1000);
    const endpointPoints = h.dd.points().filter((p) => p.metric.startsWith("dogdriver.run.endpoint."));
    const value = (metric: string, endpoint: string) =>
      endpointPoints
        .filter((p) => p.metric === metric && p.tags.includes(`endpoint:${endpoint}`))
        .map((p) => p.value);
    expect(value("dogdriver.run.endpoint.latency.p50", "get_/items/_id")).toEqual([20]);
    expect(value("dogdriver.run.endpoint.requests", "post_/api/cart")).toEqual([300]);
    expect(value("dogdriver.run.endpoint.error_rate", "checkout")).toEqual([1 / 90]);
    // The run's 20 rps for the cart's 300 of 1,200 requests.
    expect(value("dogdriver.run.endpoint.rps", "post_/api/cart")).toEqual([5]);
    expect(value("dogdriver.run.endpoint.server.latency_ms", "post_/api/cart")).toEqual([31]);
    expect(value("dogdriver.run.endpoint.server.latency_ms", "checkout")).toEqual([]);
    expect(value("dogdriver.run.endpoint.requests", "other")).toEqual([10]);
    for (const p of endpointPoints) {
      expect(p.timestamp).toBe(at);
      expect(p.tags.filter((t) => !t.startsWith("endpoint:"))).toEqual([
        "env:stage",
        "location:ci-runner",
        "service:shop",
        "test:dogdriver",
        "version:1.0.0",
      ]);
    }
    // The service-level series carry no endpoint tag.
    for (const p of h.dd.points().filter((p) => !p.metric.startsWith("dogdriver.run.endpoint.")))
      expect(p.tags.some((t) => t.startsWith("endpoint:"))).toBe(false);
  });

  it("says why when no resource matched, and completes the run with the service's values", async () => {
    const { store, config } = await setup("unmatched", true);
    const start = Math.floor((h.clock.now() - 30 * MINUTE) / 10_000) * 10_000;
    await store.putRun(runWithEndpoints(start));
    await seedApm(h.dd, start - MINUTE, start + RUN_MS + MINUTE, { "ItemsController#show": 0.02 });
    expect((await aggregateWith(h, config, datadogEnv(h.dd))).outcome).toBe("ok");
    const done = await onlyRun(store);
    expect(done.state).toBe("aggregated");
    expect(done.client.endpoints?.some((e) => e.server_ms !== undefined)).toBe(false);
    expect(done.server_notes?.endpoint_query).toBe(
      "no APM resource matched the load test's endpoints; resources with data: itemscontroller_show",
    );
  });

  it("completes the runs when Datadog rejects the grouped query, saying so", async () => {
    const { store, config } = await setup(
      "rejected",
      "avg:trace.http.request.duration{service:{service}} by {resource_name} ^ 2",
    );
    const start = Math.floor((h.clock.now() - 30 * MINUTE) / 10_000) * 10_000;
    await store.putRun(runWithEndpoints(start));
    const { outcome } = await aggregateWith(h, config, datadogEnv(h.dd));
    expect(outcome).toBe("ok");
    const done = await onlyRun(store);
    expect(done.state).toBe("aggregated");
    expect(done.server_notes?.endpoint_query).toMatch(/^Datadog rejected the query: /);
    expect(Object.keys(done.server ?? {}).sort()).toEqual([
      "cpu_pct",
      "latency_ms",
      "topology_max",
      "topology_min",
    ]);
  });

  it("asks nothing for a v1 record, or without endpoint_query", async () => {
    const start = Math.floor((h.clock.now() - 30 * MINUTE) / 10_000) * 10_000;
    const v1 = await setup("v1", true);
    await v1.store.putRun(pendingRun({ service: "shop", version: "1.0.0", startMs: start }));
    const off = await setup("off", undefined);
    await off.store.putRun(runWithEndpoints(start));
    for (const { config, store } of [v1, off]) {
      h.dd.reset();
      expect((await aggregateWith(h, config, datadogEnv(h.dd))).outcome).toBe("ok");
      expect(h.dd.requests().filter((r) => r.path === "/api/v2/query/timeseries")).toHaveLength(1);
      expect((await onlyRun(store)).server_notes?.endpoint_query).toBeUndefined();
    }
    expect((await onlyRun(v1.store)).schema).toBe("dogdriver.run.v1");
  });
});
