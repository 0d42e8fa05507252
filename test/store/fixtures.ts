import type { RunRecord } from "../../src/store/run-record.js";

/** A valid run record; `overrides` replace top-level fields. */
export const sampleRun = (overrides: Partial<RunRecord> = {}): RunRecord => ({
  schema: "dogdriver.run.v1",
  id: "01JD0000000000000000000001",
  service: "kinto",
  env: "stage",
  version: "1.2.0",
  source: "eu-west-runner-1",
  test: "dogdriver",
  started_at: "2026-11-24T10:00:00.000Z",
  ended_at: "2026-11-24T10:01:00.000Z",
  state: "pending",
  client: {
    requests: 1234,
    errors: 3,
    rps: 20.5,
    latency_ms: { p50: 41.2, p75: 55, p90: 70.3, p95: 80.1, p99: 120.9, max: 301, mean: 47.7 },
  },
  ...overrides,
});

/** `count` records spread over services, envs and minutes, ids in order. */
export const manyRuns = (count: number, services = ["kinto", "web"], envs = ["prod", "stage"]): RunRecord[] =>
  Array.from({ length: count }, (_, i) =>
    sampleRun({
      id: `01JD${String(i).padStart(22, "0")}`,
      service: services[i % services.length] ?? "kinto",
      env: envs[Math.floor(i / services.length) % envs.length] ?? "stage",
      started_at: new Date(Date.parse("2026-11-24T10:00:00.000Z") + i * 60_000).toISOString(),
      ended_at: new Date(Date.parse("2026-11-24T10:00:30.000Z") + i * 60_000).toISOString(),
    }),
  );
