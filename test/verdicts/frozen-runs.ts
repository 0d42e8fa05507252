import type { RunRecord } from "../../src/store/run-record.js";

// Frozen run histories for the verdict tests: fixed multiplicative noise patterns (about ±2%), no randomness.

/** Ten fixed noise factors, mean 1, SD ≈ 1.9%. */
export const NOISE = [1.0, 1.02, 0.98, 1.01, 0.99, 1.03, 0.97, 1.0, 1.015, 0.985] as const;

export interface RunSpec {
  version: string;
  source?: string;
  p95: number;
  rps?: number;
  errors?: number;
  state?: RunRecord["state"];
  flags?: string[];
  server?: Record<string, number>;
}

let sequence = 0;

/** A run record at `minute` minutes after 2026-11-01T00:00Z. */
export const run = (minute: number, spec: RunSpec): RunRecord => {
  const started = Date.parse("2026-11-01T00:00:00.000Z") + minute * 60_000;
  sequence++;
  return {
    schema: "dogdriver.run.v1",
    id: `r${String(sequence).padStart(6, "0")}`,
    service: "kinto",
    env: "stage",
    version: spec.version,
    source: spec.source ?? "eu-west-runner-1",
    test: "dogdriver",
    started_at: new Date(started).toISOString(),
    ended_at: new Date(started + 60_000).toISOString(),
    state: spec.state ?? "aggregated",
    client: {
      requests: 1000,
      errors: spec.errors ?? 0,
      rps: spec.rps ?? 20,
      latency_ms: {
        p50: spec.p95 / 2,
        p75: spec.p95 * 0.7,
        p90: spec.p95 * 0.9,
        p95: spec.p95,
        p99: spec.p95 * 1.4,
        max: spec.p95 * 3,
        mean: spec.p95 * 0.55,
      },
    },
    ...(spec.server === undefined ? {} : { server: spec.server }),
    ...(spec.flags === undefined ? {} : { flags: spec.flags }),
  };
};

/**
 * A release of `count` runs, 30 minutes apart from `startMinute`, p95 = level × NOISE[i % 10] (rps scaled by
 * `rpsLevel` the same way, inverted so that slower runs serve fewer requests).
 */
export const release = (
  version: string,
  startMinute: number,
  count: number,
  level: number,
  extra: Partial<RunSpec> = {},
  noiseOffset = 0,
): RunRecord[] =>
  Array.from({ length: count }, (_, i) => {
    const f = NOISE[(i + noiseOffset) % NOISE.length] as number;
    return run(startMinute + i * 30, { version, p95: level * f, rps: 20 / f, ...extra });
  });

type EndpointEntries = NonNullable<RunRecord["client"]["endpoints"]>;

/** One client.endpoints entry without errors: p50 half the p95, p99 1.3 times it. */
export const endpointEntry = (name: string, requests: number, p95: number): EndpointEntries[number] => ({
  name,
  requests,
  errors: 0,
  latency_ms: { p50: p95 / 2, p95, p99: p95 * 1.3 },
});

/** `base` as a dogdriver.run.v2 record with these endpoints. */
export const withEndpointEntries = (base: RunRecord, endpoints: EndpointEntries): RunRecord => ({
  ...base,
  schema: "dogdriver.run.v2",
  client: { ...base.client, endpoints },
});
