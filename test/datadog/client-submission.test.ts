import { afterAll, beforeEach, describe, expect, it } from "vitest";
import {
  POINT_MAX_FUTURE_MS,
  POINT_MAX_PAST_MS,
  SERIES_MAX_COMPRESSED_BYTES,
  SERIES_MAX_UNCOMPRESSED_BYTES,
} from "../../src/datadog/limits.js";
import { seriesPayloads } from "../../src/datadog/series-payloads.js";
import type { MetricSeries } from "../../src/datadog/types.js";
import { type Fixture, startFixture } from "./client-fixture.js";

// Large submissions are cut into payloads under both of Datadog's limits; the emulator enforces them (413) and
// Datadog's timestamp window (points dropped while the request gets 202).

let f: Fixture;
beforeEach(async () => {
  f ??= await startFixture();
  f.dd.reset();
});
afterAll(async () => f?.dd.close());

/** `count` series of `perSeries` points each, one per second ending 5 minutes ago, values that compress badly. */
const bulk = (count: number, perSeries: number): MetricSeries[] => {
  const end = Math.floor(Date.now() / 1000) * 1000 - 5 * 60_000;
  let seed = 42;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  return Array.from({ length: count }, (_, s) => ({
    metric: "dogdriver.bulk.value",
    tags: [`series:s${s}`, "service:kinto"],
    points: Array.from({ length: perSeries }, (_, i) => ({
      timestampMs: end - i * 1000,
      value: random() * 1e6,
    })),
  }));
};

describe("splitting", () => {
  it("sends a large submission as several gzip payloads, each under 512000 bytes and 5242880 decompressed", async () => {
    const series = bulk(60, 2500); // 150000 points, about 6.6 MB of JSON
    const debug: string[] = [];
    f.deps.log.debug = (line) => void debug.push(line);
    const result = await f.datadog.submitMetrics(series);
    // The gzip made to measure each payload is the one sent (the official client's JSON matched ours exactly).
    expect(debug.filter((line) => line.includes("not measured"))).toEqual([]);
    const posts = f.dd.requests().filter((r) => r.path === "/api/v2/series");
    expect(result).toEqual({ requests: posts.length, points: 150_000 });
    expect(posts.length).toBeGreaterThan(1);
    for (const post of posts) {
      expect(post).toMatchObject({ status: 202, contentEncoding: "gzip" });
      expect(post.bytes).toBeLessThanOrEqual(SERIES_MAX_COMPRESSED_BYTES);
      expect(post.decodedBytes).toBeLessThanOrEqual(SERIES_MAX_UNCOMPRESSED_BYTES);
    }
    expect(f.dd.points()).toHaveLength(150_000);
    expect(f.dd.droppedPoints()).toEqual([]);
  });

  it("cuts one series too large for a payload into parts of its points", () => {
    const limits = { maxCompressedBytes: 4000, maxUncompressedBytes: 20_000 };
    const payloads = seriesPayloads(
      [
        {
          metric: "m",
          tags: ["a:b"],
          points: Array.from({ length: 3000 }, (_, i) => ({ timestamp: i, value: i * 7.31 })),
        },
      ],
      limits,
    );
    expect(payloads.length).toBeGreaterThan(1);
    for (const p of payloads) {
      expect(p.gzipped.length).toBeLessThanOrEqual(limits.maxCompressedBytes);
      expect(Buffer.byteLength(p.json)).toBeLessThanOrEqual(limits.maxUncompressedBytes);
      expect(JSON.parse(p.json).series[0]).toMatchObject({ metric: "m", tags: ["a:b"] });
    }
    const timestamps = payloads.flatMap((p) =>
      p.body.series.flatMap((s) => s.points.map((pt) => pt.timestamp)),
    );
    expect(timestamps).toEqual(Array.from({ length: 3000 }, (_, i) => i));
  });

  it("the emulator refuses a payload over either limit with 413", async () => {
    const { gzipSync } = await import("node:zlib");
    const post = (body: Buffer, encoding?: string) =>
      fetch(`${f.dd.url}/api/v2/series`, {
        method: "POST",
        headers: {
          "DD-API-KEY": f.dd.apiKey,
          "content-type": "application/json",
          ...(encoding ? { "content-encoding": encoding } : {}),
        },
        body: new Uint8Array(body),
      });
    const padding = "x".repeat(SERIES_MAX_UNCOMPRESSED_BYTES);
    const huge = Buffer.from(JSON.stringify({ series: [{ metric: "m", points: [], tags: [padding] }] }));
    expect((await post(gzipSync(huge), "gzip")).status).toBe(413); // small compressed, too large decompressed
    expect((await post(Buffer.alloc(SERIES_MAX_COMPRESSED_BYTES + 1, 32))).status).toBe(413);
  });
});

describe("Datadog's timestamp window", () => {
  it("points over an hour old or over ten minutes ahead are dropped while the request still gets 202", async () => {
    const now = Date.now();
    const result = await f.datadog.submitMetrics([
      {
        metric: "dogdriver.run.rps",
        tags: ["service:kinto"],
        points: [
          { timestampMs: now - POINT_MAX_PAST_MS - 60_000, value: 1 },
          { timestampMs: now - 60_000, value: 2 },
          { timestampMs: now + POINT_MAX_FUTURE_MS + 60_000, value: 3 },
        ],
      },
    ]);
    expect(result).toEqual({ requests: 1, points: 3 });
    expect(f.dd.requests()[0]?.status).toBe(202);
    expect(f.dd.points().map((p) => p.value)).toEqual([2]);
    expect(f.dd.droppedPoints().map((p) => [p.value, p.reason])).toEqual([
      [1, "too_old"],
      [3, "too_far_in_future"],
    ]);
  });
});
