import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { metricPushed } from "../../src/config/metric-filter.js";
import { openStore } from "../../src/store/open-store.js";
import { testDeps } from "../support/deps.js";
import { aggregateWith, datadogEnv, pendingRun, useHarness, writeConfig } from "./fixtures.js";

const h = useHarness("metric-filter");
const MINUTE = 60_000;

describe("metrics.include / metrics.exclude", () => {
  it("matches names with * and lets exclude win over include", () => {
    const filter = {
      include: ["dogdriver.run.latency.*", "dogdriver.release.*"],
      exclude: ["*.p75", "*.max"],
    };
    expect(metricPushed("dogdriver.run.latency.p95", filter)).toBe(true);
    expect(metricPushed("dogdriver.run.latency.p75", filter)).toBe(false);
    expect(metricPushed("dogdriver.run.latency.max", filter)).toBe(false);
    expect(metricPushed("dogdriver.run.rps", filter)).toBe(false);
    expect(metricPushed("dogdriver.release.verdict", filter)).toBe(true);
    // Endpoint metrics have names of their own: a service-level pattern does not take them in.
    expect(metricPushed("dogdriver.run.endpoint.latency.p95", filter)).toBe(false);
    expect(
      metricPushed("dogdriver.run.endpoint.rps", { include: [], exclude: ["dogdriver.run.endpoint.*"] }),
    ).toBe(false);
    expect(metricPushed("dogdriver.run.endpoint.rps", { include: ["dogdriver.run.*"], exclude: [] })).toBe(
      true,
    );
    // "." is a dot, not any character.
    expect(metricPushed("dogdriverXrun.rps", { include: ["dogdriver.run.rps"], exclude: [] })).toBe(false);
    expect(metricPushed("dogdriver.run.rps", { include: [], exclude: [] })).toBe(true);
  });

  it("aggregate pushes only the selected metrics, and no series of an excluded one", async () => {
    const url = `file://${join(h.root, "filtered")}`;
    const store = openStore(url, testDeps({ cwd: h.root }));
    const config = await writeConfig(url, ["svc"]);
    const raw = JSON.parse(await readFile(config, "utf8"));
    raw.services[0].queries = {};
    delete raw.services[0].topology_query;
    raw.metrics = {
      exclude: [
        "dogdriver.run.latency.p75",
        "dogdriver.run.latency.p90",
        "dogdriver.run.errors",
        "dogdriver.run.endpoint.latency.*",
        "dogdriver.run.endpoint.errors",
      ],
    };
    await writeFile(config, JSON.stringify(raw));
    const t0 = h.clock.now();
    for (const ago of [40, 30, 20]) {
      const run = pendingRun({ service: "svc", version: "1.0.0", startMs: t0 - ago * MINUTE });
      const endpoint = { requests: 1200, errors: 6, latency_ms: { p50: 40, p95: 80, p99: 120 } };
      await store.putRun({
        ...run,
        schema: "dogdriver.run.v2",
        client: { ...run.client, endpoints: [{ name: "GET /items/{id}", ...endpoint }] },
      });
    }

    const { outcome } = await aggregateWith(h, config, datadogEnv(h.dd));
    expect(outcome).toBe("ok");
    const pushed = new Set(h.dd.points().map((p) => p.metric));
    expect([...pushed].sort()).toEqual([
      "dogdriver.run.endpoint.error_rate",
      "dogdriver.run.endpoint.requests",
      "dogdriver.run.endpoint.rps",
      "dogdriver.run.error_rate",
      "dogdriver.run.latency.max",
      "dogdriver.run.latency.mean",
      "dogdriver.run.latency.p50",
      "dogdriver.run.latency.p95",
      "dogdriver.run.latency.p99",
      "dogdriver.run.requests",
      "dogdriver.run.rps",
    ]);
  });
});
