import { describe, expect, it } from "vitest";
import { ClientStats } from "../../src/runner/client-stats.js";
import { EndpointStats, MAX_TRACKED } from "../../src/runner/endpoint-stats.js";
import { latencySketch, sketchQuantile } from "../../src/runner/latency-sketch.js";
import type { RequestSample } from "../../src/runner/types.js";
import { endpointRps } from "../../src/store/run-record.js";

const sample = (method: string, path: string, latencyMs: number, extra: Partial<RequestSample> = {}) =>
  ({ startedAtMs: 1_000_000, method, path, status: 200, latencyMs, ...extra }) as RequestSample;

describe("EndpointStats", () => {
  it("folds ids into one endpoint, ranks by requests and keeps latency of good answers only", () => {
    const stats = new EndpointStats();
    for (let i = 1; i <= 30; i++) stats.add(sample("GET", `/items/${i}`, i));
    for (let i = 1; i <= 10; i++) stats.add(sample("POST", "/api/cart", 100 + i));
    stats.add(sample("POST", "/api/cart", 1, { status: 503 }));
    stats.add(sample("POST", "/api/cart", 1, { status: undefined, error: "ClientOSError: reset" }));
    stats.add(sample("GET", "/items/7", 2, { status: 404 }));
    const [items, cart, ...rest] = stats.summary(20);
    expect(rest).toEqual([]);
    expect(items).toEqual({
      name: "GET /items/{id}",
      requests: 31,
      errors: 0,
      latency_ms: expect.any(Object),
    });
    // 1..30 ms and a 404 at 2 ms (an answer, so a latency): DDSketch's ranks q·(n-1) of the 31 values, 15, 28
    // and 29 ms, within its 0.1%.
    expect(items?.latency_ms).toEqual({
      p50: expect.closeTo(15, 1),
      p95: expect.closeTo(28, 1),
      p99: expect.closeTo(29, 1),
    });
    expect(cart).toMatchObject({ name: "POST /api/cart", requests: 12, errors: 2 });
    // The two errors (1 ms each) are not in the latency.
    expect(cart?.latency_ms.p50).toBeGreaterThan(100);
  });

  it("counts a named request under its name", () => {
    const stats = new EndpointStats();
    stats.add(sample("POST", "/api/cart/3f2b9c1a", 10, { name: "add to cart" }));
    stats.add(sample("POST", "/api/cart/9", 10));
    expect(stats.summary(20).map((e) => e.name)).toEqual(["POST /api/cart/{id}", "add to cart"]);
  });

  it("keeps the top N and merges the rest into other, whose percentiles are exactly its requests'", () => {
    const stats = new EndpointStats();
    const otherSketch = latencySketch();
    for (let e = 0; e < 25; e++)
      for (let i = 0; i < 100 - e; i++) {
        const latency = 1 + e * 3 + (i % 7);
        stats.add(sample("GET", `/e${e}`, latency));
        if (e >= 20) otherSketch.accept(latency);
      }
    const entries = stats.summary(20);
    expect(entries).toHaveLength(21);
    expect(entries.slice(0, 20).map((e) => e.name)).toEqual(
      Array.from({ length: 20 }, (_, e) => `GET /e${e}`),
    );
    expect(entries.map((e) => e.requests)).toEqual([
      ...Array.from({ length: 20 }, (_, e) => 100 - e),
      80 + 79 + 78 + 77 + 76,
    ]);
    const other = entries[20];
    expect(other).toMatchObject({ name: "other", other: true, errors: 0 });
    expect(other?.latency_ms).toEqual({
      p50: sketchQuantile(otherSketch, 0.5),
      p95: sketchQuantile(otherSketch, 0.95),
      p99: sketchQuantile(otherSketch, 0.99),
    });
    // Every request is in one entry.
    expect(entries.reduce((n, e) => n + e.requests, 0)).toBe(25 * 100 - (24 * 25) / 2);
  });

  it("follows at most MAX_TRACKED endpoints while the run streams; later ones count in other at once", () => {
    const stats = new EndpointStats();
    // A test walking unbounded paths (each a word, so nothing folds).
    for (let i = 0; i < MAX_TRACKED + 500; i++) stats.add(sample("GET", `/page-${i.toString(36)}x`, 5));
    const entries = stats.summary(300);
    expect(entries).toHaveLength(MAX_TRACKED + 1);
    expect(entries.at(-1)).toMatchObject({ name: "other", requests: 500 });
    expect((stats as unknown as { tallies: Map<string, unknown> }).tallies.size).toBe(MAX_TRACKED);
  });

  it("has no other entry when every endpoint fits, and none at all without requests", () => {
    const stats = new EndpointStats();
    expect(stats.summary(20)).toEqual([]);
    stats.add(sample("GET", "/", 1));
    expect(stats.summary(1).map((e) => e.name)).toEqual(["GET /"]);
  });
});

describe("ClientStats with endpoints", () => {
  it("puts them in the client block, the configured number, cancelled requests left out", () => {
    const stats = new ClientStats(1);
    stats.add(sample("GET", "/a", 10, { startedAtMs: 1000 }));
    stats.add(sample("GET", "/a", 10, { startedAtMs: 1500 }));
    stats.add(sample("GET", "/b", 10, { startedAtMs: 1990 }));
    stats.add(sample("GET", "/c", 10, { status: undefined, error: "cancelled" }));
    const block = stats.summary();
    expect(block.rps).toBe(3);
    expect(block.endpoints).toEqual([
      expect.objectContaining({ name: "GET /a", requests: 2 }),
      expect.objectContaining({ name: "other", other: true, requests: 1 }),
    ]);
    // An endpoint's rps is derived: the run's, for its share of the requests.
    expect(block.endpoints?.map((e) => endpointRps(block, e.requests))).toEqual([2, 1]);
  });
});
