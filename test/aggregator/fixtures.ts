import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, beforeEach, expect } from "vitest";
import { aggregateCommand } from "../../src/aggregator/aggregate-command.js";
import type { AggregateReport } from "../../src/aggregator/types.js";
import type { Clock } from "../../src/state/deps.js";
import type { Outcome } from "../../src/state/outcome.js";
import type { RunRecord } from "../../src/store/run-record.js";
import { type Emulator, startDatadogEmulator } from "../support/datadog-emulator/index.js";
import { testDeps } from "../support/deps.js";

const REPO = resolve(import.meta.dirname, "../..");

// Pending run records written straight into the store (as the runner would), a config whose queries the
// emulator can answer, server-side metrics seeded into the emulator, and a clock that can be moved ahead.

export const ENV = "stage";
export const SOURCE = "ci-runner";
export const RUN_MS = 60_000;

/**
 * A clock `offsetMs` ahead of real time. Waits under 10 s (the client's retry backoff) last 20 ms so retries do
 * not slow the tests; longer ones are request timeouts and stay real, or every request would time out.
 */
export interface ShiftedClock extends Clock {
  offsetMs: number;
}
export const shiftedClock = (offsetMs = 0): ShiftedClock => {
  const clock: ShiftedClock = {
    offsetMs,
    now: () => Date.now() + clock.offsetMs,
    sleep: (ms, signal) =>
      new Promise((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason);
        const timer = setTimeout(resolve, ms < 10_000 ? Math.min(ms, 20) : ms);
        signal?.addEventListener("abort", () => {
          clearTimeout(timer);
          reject(signal.reason);
        });
      }),
  };
  return clock;
};

let sequence = 0;
/** A run id shaped like a ULID (26 characters) that sorts in creation order. */
const nextId = () => `01JD${String(++sequence).padStart(22, "0")}`;

export const pendingRun = (o: {
  service: string;
  version: string;
  startMs: number;
  p95?: number;
  durationMs?: number;
}): RunRecord => ({
  schema: "dogdriver.run.v1",
  id: nextId(),
  service: o.service,
  env: ENV,
  version: o.version,
  source: SOURCE,
  test: "dogdriver",
  started_at: new Date(o.startMs).toISOString(),
  ended_at: new Date(o.startMs + (o.durationMs ?? RUN_MS)).toISOString(),
  state: "pending",
  client: {
    requests: 1200,
    errors: 6,
    rps: 20,
    latency_ms: { p50: 40, p75: 50, p90: 60, p95: o.p95 ?? 80, p99: 120, max: 300, mean: 45 },
  },
});

export const serviceEntry = (name: string) => ({
  name,
  env: ENV,
  endpoint: `http://127.0.0.1:9/${name}`,
  version: "fixed",
  test: { repo: "/nonexistent/loadtests" },
  queries: {
    latency_ms: "avg:app.latency{service:{service},env:{env}}",
    cpu_pct: "avg:app.cpu{service:{service},env:{env}}",
  },
  topology_query: "sum:app.hosts{service:{service},env:{env}}",
});

/** Writes a config file for these services and returns its path. */
export const writeConfig = async (store: string, services: string[], settle = "10m"): Promise<string> => {
  const dir = await mkdtemp(join(tmpdir(), "dogdriver-agg-config-"));
  const path = join(dir, "dogdriver.config.json");
  await writeFile(
    path,
    JSON.stringify({ store, source: SOURCE, settle, services: services.map(serviceEntry) }, null, 2),
  );
  return path;
};

/** The server metrics a service's queries read, every 10 s over [fromMs, toMs), as the Datadog agent would send. */
export const seedServerMetrics = async (
  dd: Emulator,
  service: string,
  fromMs: number,
  toMs: number,
  values: (tMs: number) => { latency: number; cpu: number; hosts: number },
): Promise<void> => {
  const tags = [`service:${service}`, `env:${ENV}`];
  const series: {
    metric: string;
    type: number;
    tags: string[];
    points: { timestamp: number; value: number }[];
  }[] = [
    { metric: "app.latency", type: 3, tags, points: [] },
    { metric: "app.cpu", type: 3, tags, points: [] },
    { metric: "app.hosts", type: 3, tags, points: [] },
  ];
  for (let t = Math.ceil(fromMs / 10_000) * 10_000; t < toMs; t += 10_000) {
    const v = values(t);
    series[0]?.points.push({ timestamp: t / 1000, value: v.latency });
    series[1]?.points.push({ timestamp: t / 1000, value: v.cpu });
    series[2]?.points.push({ timestamp: t / 1000, value: v.hosts });
  }
  const response = await fetch(`${dd.url}/api/v2/series`, {
    method: "POST",
    headers: { "content-type": "application/json", "dd-api-key": dd.apiKey },
    body: JSON.stringify({ series }),
  });
  if (response.status !== 202) throw new Error(`seeding failed: ${response.status} ${await response.text()}`);
};

export { datadogEnv } from "../support/datadog-emulator/index.js";

export interface Harness {
  root: string;
  dd: Emulator;
  clock: ShiftedClock;
}

/** Registers a test file's hooks: a temporary directory, the emulator on a shifted clock, both reset per test. */
export const useHarness = (name: string): Harness => {
  const h = { clock: shiftedClock() } as Harness;
  beforeAll(async () => {
    h.root = await mkdtemp(join(tmpdir(), `dogdriver-${name}-`));
    h.dd = await startDatadogEmulator({ nowMs: () => h.clock.now() });
  });
  afterAll(async () => {
    await h.dd.close();
    await rm(h.root, { recursive: true, force: true });
  });
  beforeEach(() => {
    h.dd.reset();
    h.clock.offsetMs = 0;
  });
  return h;
};

export interface Aggregated {
  outcome: Outcome;
  /** The --json report (undefined for a dry run, which prints its listing instead). */
  report: AggregateReport;
  stdout: string;
  stderr: string;
}

/** `dogdriver aggregate --json` (or `--dry-run`) in this process, on the harness clock unless told otherwise. */
export const aggregateWith = async (
  h: Harness,
  config: string,
  env: Record<string, string>,
  options: { dryRun?: boolean; clock?: Clock } = {},
): Promise<Aggregated> => {
  const deps = testDeps({ cwd: h.root, clock: options.clock ?? h.clock, env });
  const dryRun = options.dryRun ?? false;
  const outcome = await aggregateCommand({ config, json: !dryRun, dryRun }, deps);
  const stdout = deps.stdout.text();
  return {
    outcome,
    report: dryRun ? (undefined as never) : JSON.parse(stdout),
    stdout,
    stderr: deps.stderr.text(),
  };
};

/** The built CLI's `aggregate --json` in its own process, killed with SIGKILL at `step` (src/aggregator/crash-point.ts). */
export const aggregateKilledAt = async (
  h: Harness,
  config: string,
  env: Record<string, string>,
  step: string,
): Promise<void> => {
  const child = spawn(
    process.execPath,
    [join(REPO, "dist/cli.js"), "aggregate", "--config", config, "--json"],
    {
      cwd: h.root,
      env: { PATH: process.env.PATH ?? "", ...env, DOGDRIVER_TEST_CRASH_AT: step },
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  let stderr = "";
  child.stderr.on("data", (chunk) => {
    stderr += chunk;
  });
  const signal = await new Promise<NodeJS.Signals | null>((done) =>
    child.on("exit", (_code, sig) => done(sig)),
  );
  expect(signal, stderr).toBe("SIGKILL");
};
