import { appendFile, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { captureReader, parseSampleLine } from "../../src/runner/capture-reader.js";
import { ClientStats } from "../../src/runner/client-stats.js";
import { RELATIVE_ACCURACY } from "../../src/runner/latency-sketch.js";
import type { RequestSample } from "../../src/runner/types.js";

const ok = (latencyMs: number, startedAtMs = 1_000_000): RequestSample => ({
  startedAtMs,
  method: "GET",
  path: "/",
  status: 200,
  latencyMs,
});

describe("ClientStats", () => {
  it("gives percentiles within the sketch's relative accuracy, exact max and mean", () => {
    const stats = new ClientStats();
    // 1..1000 ms: the exact (nearest-rank) p50 is 500, p95 950, p99 990.
    for (let i = 1; i <= 1000; i++) stats.add(ok(i, 1_000_000 + i));
    const { latency_ms: l, requests, rps } = stats.summary();
    expect(requests).toBe(1000);
    for (const [got, want] of [
      [l.p50, 500],
      [l.p95, 950],
      [l.p99, 990],
    ] as const) {
      expect(Math.abs((got ?? 0) - want) / want).toBeLessThanOrEqual(RELATIVE_ACCURACY + 1e-9);
    }
    expect(l.max).toBe(1000);
    expect(l.mean).toBe(500.5);
    // 1000 requests from t=1.001 s to the last end at 1.000 s + 1000 ms + 1000 ms.
    expect(rps).toBeCloseTo(1000 / 1.999, 1);
  });

  it("counts 5xx and unanswered requests as errors, keeps them out of latency, ignores cancelled ones", () => {
    const stats = new ClientStats();
    stats.add(ok(10));
    stats.add({ ...ok(1), status: 503 });
    stats.add({
      startedAtMs: 1_000_000,
      method: "GET",
      path: "/",
      latencyMs: 1,
      error: "ClientConnectorError: refused",
    });
    stats.add({ startedAtMs: 1_000_000, method: "GET", path: "/", latencyMs: 1, error: "cancelled" });
    stats.add({ ...ok(20), status: 404 });
    const summary = stats.summary();
    expect(summary).toMatchObject({
      requests: 4,
      errors: 2,
      error_rate: 0.5,
      statuses: { "200": 1, "404": 1, "503": 1, error: 1 },
    });
    expect(summary.latency_ms.max).toBe(20);
    expect(stats.cancelled).toBe(1);
    expect(stats.topErrors()).toBe("1× HTTP 503; 1× ClientConnectorError: refused");
  });

  it("reports null latencies before any good answer", () => {
    expect(new ClientStats().summary().latency_ms).toEqual({
      p50: null,
      p75: null,
      p90: null,
      p95: null,
      p99: null,
      max: null,
      mean: null,
    });
  });
});

describe("captureReader", () => {
  it("reads per-process files incrementally, a cut line waiting for its end", async () => {
    const dir = await mkdtemp(join(tmpdir(), "dogdriver-capture-"));
    try {
      const seen: RequestSample[] = [];
      const reader = captureReader(dir, (s) => seen.push(s));
      await writeFile(
        join(dir, "requests-10.tsv"),
        "1.5\tGET\t/a\t200\t12.5\t\n1.6\tPOST\t/b\t\t0.8\tClientOSError: reset\n1.7\tGE",
      );
      await writeFile(join(dir, "requests-11.tsv"), "2.0\tGET\t/c\t500\t3.25\t\n");
      await writeFile(join(dir, "result.json"), "{}");
      await reader.drain();
      expect(seen.map((s) => s.path)).toEqual(["/a", "/b", "/c"]);
      await appendFile(join(dir, "requests-10.tsv"), "T\t/d\t204\t1.0\t\ngarbage\n");
      await reader.drain();
      expect(seen.map((s) => s.path)).toEqual(["/a", "/b", "/c", "/d"]);
      expect(reader.malformed()).toBe(1);
      expect(seen[1]).toEqual({
        startedAtMs: 1600,
        method: "POST",
        path: "/b",
        latencyMs: 0.8,
        error: "ClientOSError: reset",
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("parses the extension's line format", () => {
    expect(parseSampleLine("1795552173.519943\tGET\t/x\t200\t34.947\t")).toEqual({
      startedAtMs: 1795552173519.943,
      method: "GET",
      path: "/x",
      status: 200,
      latencyMs: 34.947,
    });
    // A 7th column names the request; an empty one is no name.
    expect(parseSampleLine("1.5\tPOST\t/api/cart/9\t201\t3.5\t\tadd to cart")).toEqual({
      startedAtMs: 1500,
      method: "POST",
      path: "/api/cart/9",
      status: 201,
      latencyMs: 3.5,
      name: "add to cart",
    });
    expect(parseSampleLine("1.5\tGET\t/x\t200\t3.5\t\t")?.name).toBeUndefined();
  });

  it("reads the name column when a line has one, and none when it is empty or absent", () => {
    expect(parseSampleLine("1795552173.5\tPOST\t/api/cart/42\t201\t3.5\t\tPOST /api/cart")).toEqual({
      startedAtMs: 1795552173500,
      method: "POST",
      path: "/api/cart/42",
      status: 201,
      latencyMs: 3.5,
      name: "POST /api/cart",
    });
    expect(parseSampleLine("1795552173.5\tGET\t/x\t\t1.0\tClientOSError: reset\tGET x")).toMatchObject({
      error: "ClientOSError: reset",
      name: "GET x",
    });
    expect(parseSampleLine("1795552173.5\tGET\t/x\t200\t1.0\t\t")).not.toHaveProperty("name");
  });
});
