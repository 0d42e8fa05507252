import { describe, expect, it } from "vitest";
import { compareReleases } from "../../src/verdicts/compare-releases.js";
import {
  isDecided,
  releaseSeries,
  releaseVerdicts,
  verdictIdentity,
} from "../../src/verdicts/release-series.js";
import { verdictEvent } from "../../src/verdicts/verdict-event.js";
import { release } from "./frozen-runs.js";

const comparisons = (candidateLevel: number, candidateRuns = 8) =>
  compareReleases(
    [
      ...release("a1", 0, 10, 100),
      ...release("b2", 1000, 10, 100, {}, 3),
      ...release("c3", 2000, candidateRuns, candidateLevel, {}, 2),
    ],
    { metrics: ["client.latency_ms.p95"] },
  );

describe("release series for Datadog", () => {
  it("sends change_pct and verdict with the contract's tags, at the newest candidate run", () => {
    const [c] = comparisons(120);
    const series = releaseSeries(comparisons(120));
    const tags = [
      "service:kinto",
      "env:stage",
      "version:c3",
      "location:eu-west-runner-1",
      "test:dogdriver",
      "metric:client.latency_ms.p95",
    ];
    expect(series).toEqual([
      {
        metric: "dogdriver.release.change_pct",
        type: "gauge",
        unit: "percent",
        tags,
        points: [{ timestampMs: c?.as_of_ms, value: c?.change_pct }],
      },
      {
        metric: "dogdriver.release.verdict",
        type: "gauge",
        tags,
        points: [{ timestampMs: c?.as_of_ms, value: 1 }],
      },
    ]);
    expect(c?.as_of_ms).toBe(Date.parse("2026-11-01T00:00:00.000Z") + (2000 + 7 * 30) * 60_000);
    expect(releaseSeries(comparisons(80), 42).map((s) => s.points[0])).toEqual([
      { timestampMs: 42, value: comparisons(80)[0]?.change_pct },
      { timestampMs: 42, value: -1 },
    ]);
    expect(
      releaseSeries(comparisons(100)).find((s) => s.metric === "dogdriver.release.verdict")?.points[0]?.value,
    ).toBe(0);
  });

  it("sends a comparison of one endpoint under the endpoint metric names, tagged endpoint:", () => {
    const [c] = comparisons(120);
    if (c === undefined) throw new Error("expected a comparison");
    const series = releaseSeries([{ ...c, endpoint: "POST /api/cart/{id}" }, c]);
    expect(series.map((s) => s.metric)).toEqual([
      "dogdriver.release.endpoint.change_pct",
      "dogdriver.release.endpoint.verdict",
      "dogdriver.release.change_pct",
      "dogdriver.release.verdict",
    ]);
    expect(series[0]?.tags).toEqual([
      "service:kinto",
      "env:stage",
      "version:c3",
      "location:eu-west-runner-1",
      "test:dogdriver",
      "metric:client.latency_ms.p95",
      "endpoint:post_/api/cart/_id",
    ]);
    expect(series[1]?.points[0]?.value).toBe(1);
    // The service's own comparison keeps its names and tags: no endpoint: on it.
    expect(series[2]?.tags.some((t) => t.startsWith("endpoint:"))).toBe(false);
  });

  it("sends no verdict point while the data is insufficient", () => {
    const series = releaseSeries(comparisons(150, 2));
    expect(series).toEqual([]);
    expect(isDecided(comparisons(150, 2)[0] as never)).toBe(false);
  });

  it("makes one verdict per release, the worst of its decided metrics", () => {
    const all = (level: number) =>
      compareReleases([
        ...release("a1", 0, 10, 100),
        ...release("b2", 1000, 10, 100, {}, 3),
        ...release("c3", 2000, 8, level, {}, 2),
      ]);
    const slower = releaseVerdicts(all(120));
    expect(slower).toHaveLength(1);
    expect(slower[0]).toMatchObject({
      service: "kinto",
      env: "stage",
      baseline: "b2",
      candidate: "c3",
      verdict: "regression",
    });
    expect(slower[0]?.comparisons.length).toBeGreaterThan(1);
    expect(slower[0]?.comparisons.every((c) => c.verdict !== "insufficient_data")).toBe(true);
    expect(releaseVerdicts(all(80))[0]?.verdict).toBe("improvement");
    expect(releaseVerdicts(all(100))[0]?.verdict).toBe("no_change");
    expect(releaseVerdicts(comparisons(150, 2))).toEqual([]);
  });

  it("names a release verdict by service/env/test/candidate, whatever the verdict", () => {
    const [slower] = releaseVerdicts(comparisons(120));
    const [same] = releaseVerdicts(comparisons(100));
    expect(slower && verdictIdentity(slower)).toBe("kinto/stage/dogdriver/c3");
    expect(same && verdictIdentity(same)).toBe(slower && verdictIdentity(slower));
  });

  it("builds the verdict event with the contract's tags and every decided metric in its text", () => {
    const [r] = releaseVerdicts(comparisons(120));
    if (!r) throw new Error("expected a release verdict");
    const event = verdictEvent(r, { dashboardUrl: "https://app.datadoghq.eu/dashboard/abc-def-ghi" });
    expect(event.tags).toEqual([
      "dogdriver",
      "dogdriver_event:verdict",
      "service:kinto",
      "env:stage",
      "version:c3",
      "baseline_version:b2",
      "test:dogdriver",
    ]);
    // Rounded figures with units, the interval and the runs on each side; no raw float.
    expect(event.text).toMatch(
      /^- client\.latency_ms\.p95: regression [+-]\d+(\.\d)?% \(95% CI [+-]\d+(\.\d)?% to [+-]\d+(\.\d)?%\), median \d+(\.\d+)? ms -> \d+(\.\d+)? ms, runs \d+ -> \d+/m,
    );
    expect(event.text).not.toMatch(/\d\.\d{4,}/);
    expect(event.text).toContain(
      "Trend: https://app.datadoghq.eu/dashboard/abc-def-ghi?tpl_var_service=kinto&tpl_var_env=stage",
    );
    expect(verdictEvent(r).text).not.toContain("Trend:");
    expect(event.title).toMatch(
      /^kinto stage c3: regression against b2 \(client\.latency_ms\.p95 \+\d+(\.\d+)?%\)$/,
    );
    expect(event.text).toMatch(/^- client\.latency_ms\.p95: regression \+\d/m);
    expect(event.alertType).toBe("error");
    expect(event.aggregationKey?.length).toBeLessThanOrEqual(100);
  });
});
