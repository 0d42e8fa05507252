import { describe, expect, it } from "vitest";
import { planQueries } from "../../src/aggregator/query-plan.js";
import { windowStats } from "../../src/aggregator/window-stats.js";
import { validateConfig } from "../../src/config/load.js";
import { runKey } from "../../src/store/keys.js";
import { pendingRun, serviceEntry } from "./fixtures.js";

const config = (entries: object[]) =>
  validateConfig({ services: entries }, "test", { env: {}, hostname: "h" });
const keyed = (r: ReturnType<typeof pendingRun>) => ({ key: runKey(r), record: r });
const T = Date.parse("2026-11-24T00:00:00.000Z");

describe("planQueries", () => {
  it("covers many runs of a service with one call while the span fits, and chunks longer spans", () => {
    const { services } = config([serviceEntry("kinto")]);
    // A run every 30 minutes for 24 hours: 48 one-minute runs.
    const runs = Array.from({ length: 48 }, (_, i) =>
      keyed(pendingRun({ service: "kinto", version: "1", startMs: T + i * 30 * 60_000 })),
    );
    const { calls } = planQueries(runs, services);
    // Chunks of at most 1,000 ten-second buckets (2.8 h): 8 calls for the day, not 48.
    expect(calls).toHaveLength(8);
    expect(calls.flatMap((c) => c.runs).sort()).toEqual(runs.map((r) => r.key).sort());
    for (const call of calls) {
      expect(call.intervalMs).toBe(10_000); // six buckets in a one-minute run
      expect((call.toMs - call.fromMs) / call.intervalMs).toBeLessThanOrEqual(1000);
      expect(call.queries.map((q) => q.field)).toEqual(["cpu_pct", "latency_ms", "topology"]);
    }
  });

  it("fills placeholders and asks per version only when a query names {version}", () => {
    const entry = {
      ...serviceEntry("web"),
      queries: { p95: "p95:req{service:{service},env:{env},version:{version}}" },
    };
    const { services } = config([entry, serviceEntry("api")]);
    const runs = ["1", "2", "1"].flatMap((version, i) => [
      keyed(pendingRun({ service: "web", version, startMs: T + i * 600_000 })),
      keyed(pendingRun({ service: "api", version, startMs: T + i * 600_000 })),
    ]);
    const { calls, unconfigured } = planQueries(
      [...runs, keyed(pendingRun({ service: "gone", version: "1", startMs: T }))],
      services,
    );
    expect(unconfigured.map((r) => r.record.service)).toEqual(["gone"]);
    const web = calls.filter((c) => c.service === "web");
    expect(web).toHaveLength(2);
    expect(web.map((c) => c.queries[0]?.query).sort()).toEqual([
      "p95:req{service:web,env:stage,version:1}",
      "p95:req{service:web,env:stage,version:2}",
    ]);
    expect(calls.filter((c) => c.service === "api")).toHaveLength(1);
  });
});

describe("windowStats", () => {
  it("weights each bucket by how much of the window it covers", () => {
    // Buckets of 10 s at 0, 10, 20 s holding 1, 2, 4; window [5 s, 25 s) covers halves of the first and last.
    const series = [{ timesMs: [0, 10_000, 20_000], values: [1, 2, 4], intervalMs: 10_000 }];
    const stats = windowStats(series, 5_000, 25_000);
    expect(stats.mean).toBeCloseTo((1 * 5 + 2 * 10 + 4 * 5) / 20, 12);
    expect([stats.min, stats.max]).toEqual([1, 4]);
  });

  it("is null, not 0, without a value in the window", () => {
    const series = [{ timesMs: [0, 10_000], values: [null, 3], intervalMs: 10_000 }];
    expect(windowStats(series, 0, 10_000)).toEqual({ mean: null, min: null, max: null });
  });
});
