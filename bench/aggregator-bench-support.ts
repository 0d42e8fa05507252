import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Deps } from "../src/state/deps.js";
import type { RunRecord } from "../src/store/run-record.js";
import type { Emulator } from "../test/support/datadog-emulator/index.js";

// Shared by the aggregator benchmarks: Datadog server metrics for the runs' windows, a config whose services
// query them, and quiet deps for the benchmark's own store handles.

export const quietDeps = (env: Record<string, string>, cwd: string): Deps => ({
  env,
  cwd,
  stdout: { write: () => {}, isTTY: false },
  stderr: { write: () => {}, isTTY: false },
  clock: { now: () => Date.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) },
  log: { info: () => {}, warn: () => {}, debug: () => {}, once: () => {} },
  signal: new AbortController().signal,
  hostname: "bench",
  stdin: (async function* () {})(),
});

/** Latency, CPU and host count of every service (env prod) every 10 s between the two times. */
export const seedServerMetrics = async (dd: Emulator, services: string[], fromMs: number, toMs: number) => {
  const series = services.flatMap((service) =>
    ["app.latency", "app.cpu", "app.hosts"].map((metric) => ({
      metric,
      type: 3,
      tags: [`service:${service}`, "env:prod"],
      points: Array.from({ length: Math.floor((toMs - fromMs) / 10_000) }, (_, i) => ({
        timestamp: Math.floor(fromMs / 1000) + i * 10,
        value: metric === "app.hosts" ? 4 : 30,
      })),
    })),
  );
  await fetch(`${dd.url}/api/v2/series`, {
    method: "POST",
    headers: { "content-type": "application/json", "dd-api-key": dd.apiKey },
    body: JSON.stringify({ series }),
  });
};

let sequence = 0;
const MINUTE = 60_000;
/** A one-minute run of `service` (env prod, a new version every 40 runs); aggregated ones hold server values. */
export const benchRun = (service: string, startMs: number, state: RunRecord["state"]): RunRecord => ({
  schema: "dogdriver.run.v1",
  id: `01JD${String(++sequence).padStart(22, "0")}`,
  service,
  env: "prod",
  version: `1.${Math.floor(sequence / 40)}.0`,
  source: "bench",
  test: "dogdriver",
  started_at: new Date(startMs).toISOString(),
  ended_at: new Date(startMs + MINUTE).toISOString(),
  state,
  client: {
    requests: 1000,
    errors: 1,
    rps: 16,
    latency_ms: { p50: 40, p75: 50, p90: 60, p95: 70 + (sequence % 7), p99: 90, max: 200, mean: 45 },
  },
  ...(state === "aggregated" ? { server: { latency_ms: 30, cpu_pct: 20 } } : {}),
});

let configs = 0;

/** A config file in `dir` for `store` whose services query those metrics. */
export const writeBenchConfig = async (dir: string, store: string, services: string[]) => {
  const path = join(dir, `config-${++configs}.json`);
  await writeFile(
    path,
    JSON.stringify({
      store,
      source: "bench",
      services: services.map((name) => ({
        name,
        env: "prod",
        endpoint: `http://127.0.0.1:9/${name}`,
        version: "fixed",
        test: { repo: "/nonexistent" },
        queries: {
          latency_ms: "avg:app.latency{service:{service},env:{env}}",
          cpu_pct: "avg:app.cpu{service:{service},env:{env}}",
        },
        topology_query: "sum:app.hosts{service:{service},env:{env}}",
      })),
    }),
  );
  return path;
};
