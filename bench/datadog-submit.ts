import { performance } from "node:perf_hooks";
import { createDatadog } from "../src/datadog/client.js";
import { seriesPayloads } from "../src/datadog/series-payloads.js";
import type { MetricSeries } from "../src/datadog/types.js";
import { startDatadogEmulator } from "../test/support/datadog-emulator/index.js";

// What a metric submission costs: cutting it into payloads under Datadog's limits (serialise, gzip, measure),
// and the whole path to the emulator over a socket; plus how fast the emulator answers a query over what it holds.
// Run: npx tsc -p bench/tsconfig.json && node .tmp/bench/bench/datadog-submit.js

const bulk = (series: number, perSeries: number, endMs: number): MetricSeries[] => {
  let seed = 7;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  return Array.from({ length: series }, (_, s) => ({
    metric: "dogdriver.bench.value",
    tags: [`series:s${s}`, "service:kinto", "env:stage", "version:1.2.0", "source:bench", "test:dogdriver"],
    points: Array.from({ length: perSeries }, (_, i) => ({
      timestampMs: endMs - i * 1000,
      value: random() * 1e6,
    })),
  }));
};

const ms = (start: number) => performance.now() - start;
const now = Math.floor(Date.now() / 1000) * 1000 - 5 * 60_000;

process.stdout.write(
  "| points | series | payloads | max compressed | max decompressed | compressed bytes/point | split time |\n|---|---|---|---|---|---|---|\n",
);
for (const [series, perSeries] of [
  [12, 1],
  [60, 2500],
  [200, 2500],
] as const) {
  const input = bulk(series, perSeries, now).map((s) => ({
    metric: s.metric,
    type: 3 as const,
    tags: s.tags,
    points: s.points.map((p) => ({ timestamp: p.timestampMs / 1000, value: p.value })),
  }));
  const start = performance.now();
  const payloads = seriesPayloads(input);
  const took = ms(start);
  const points = series * perSeries;
  const compressed = payloads.reduce((n, p) => n + p.gzipped.length, 0);
  process.stdout.write(
    `| ${points} | ${series} | ${payloads.length} | ${Math.max(...payloads.map((p) => p.gzipped.length))} | ${Math.max(...payloads.map((p) => Buffer.byteLength(p.json)))} | ${(compressed / points).toFixed(1)} | ${took.toFixed(0)} ms |\n`,
  );
}

const dd = await startDatadogEmulator();
const deps = {
  clock: {
    now: () => Date.now(),
    sleep: (waitMs: number) => new Promise<void>((resolve) => setTimeout(resolve, waitMs)),
  },
  log: { info: () => {}, warn: () => {}, debug: () => {}, once: () => {} },
  signal: new AbortController().signal,
};
const datadog = createDatadog(
  {
    apiKey: dd.apiKey,
    appKey: dd.appKey,
    site: "datadoghq.com",
    baseUrl: dd.url,
    timeoutMs: 60_000,
    maxRetries: 0,
  },
  deps,
);
const big = bulk(60, 2500, now);
let start = performance.now();
const result = await datadog.submitMetrics(big);
process.stdout.write(
  `\nsubmitMetrics, 150000 points to the emulator: ${result.requests} payloads in ${ms(start).toFixed(0)} ms\n`,
);
const small = bulk(12, 1, now);
start = performance.now();
for (let i = 0; i < 50; i += 1) await datadog.submitMetrics(small);
process.stdout.write(
  `submitMetrics, one run's 12 gauges: ${(ms(start) / 50).toFixed(1)} ms per call (mean of 50)\n`,
);
start = performance.now();
for (let i = 0; i < 20; i += 1) {
  await datadog.queryScalar(now - 3_000_000, now + 1000, [
    { name: "avg", query: "avg:dogdriver.bench.value{service:kinto}" },
    { name: "series", query: "count_nonzero(avg:dogdriver.bench.value{service:kinto} by {series})" },
  ]);
}
process.stdout.write(
  `emulator queryScalar (2 queries over 150000 stored points): ${(ms(start) / 20).toFixed(1)} ms per call (mean of 20)\n`,
);
await dd.close();
