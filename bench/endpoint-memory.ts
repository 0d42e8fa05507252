import { EndpointStats, MAX_TRACKED } from "../src/runner/endpoint-stats.js";

// The runner's memory for per-endpoint results while a run streams: MAX_TRACKED endpoints with their own sketch,
// then a million requests to paths never seen before (a test walking unbounded paths), which must add nothing.
// Latencies either narrow (5-55 ms, a typical endpoint) or wide (0.1 ms to 60 s, the sketch's worst case here).
// Run: npx tsc -p bench/tsconfig.json && node --expose-gc .tmp/bench/bench/endpoint-memory.js

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error("run with node --expose-gc");
const heapMb = () => {
  gc();
  return process.memoryUsage().heapUsed / 1e6;
};

for (const [label, latency] of [
  ["narrow (5-55 ms)", (i: number) => 5 + (i % 50)],
  ["wide (0.1 ms-60 s)", (i: number) => 0.1 * 600_000 ** (i / 1999)],
] as const) {
  const before = heapMb();
  const stats = new EndpointStats();
  for (let e = 0; e < MAX_TRACKED; e++)
    for (let i = 0; i < 2000; i++)
      stats.add({ startedAtMs: 0, method: "GET", path: `/route-${e}x`, status: 200, latencyMs: latency(i) });
  const tracked = heapMb() - before;
  for (let i = 0; i < 1_000_000; i++)
    stats.add({ startedAtMs: 0, method: "GET", path: `/page-${i.toString(36)}x`, status: 200, latencyMs: 5 });
  const after = heapMb() - before;
  // Using stats here keeps it alive through the measurements.
  const entries = stats.summary(20);
  console.log(
    `| ${label} | ${tracked.toFixed(1)} MB | ${after.toFixed(1)} MB | ${entries.at(-1)?.requests} in other |`,
  );
}
