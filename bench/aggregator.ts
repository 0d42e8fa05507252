import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { aggregateCommand } from "../src/aggregator/aggregate-command.js";
import type { AggregateReport } from "../src/aggregator/types.js";
import type { Deps } from "../src/state/deps.js";
import { mapOrdered } from "../src/store/map-ordered.js";
import { openStore } from "../src/store/open-store.js";
import { startDatadogEmulator } from "../test/support/datadog-emulator/index.js";
import { startS3Server } from "../test/support/s3-server.js";
import { benchRun as run, seedServerMetrics, writeBenchConfig } from "./aggregator-bench-support.js";

// What one `aggregate` call costs: Datadog calls (the rate-limited resource), store requests and time, for a
// backlog of pending runs and for the steady state (many finished runs, one new run per service). Against the
// Datadog emulator and the local S3 server, so times are for this machine; call and request counts carry over.
// Run: npx tsc -p bench/tsconfig.json && node .tmp/bench/bench/aggregator.js

const MINUTE = 60_000;
const SERVICES = Array.from({ length: 10 }, (_, i) => `svc${i}`);

const deps = (env: Record<string, string>, cwd: string): Deps => {
  const out = { write: (_: string) => {}, isTTY: false };
  const chunks: string[] = [];
  return {
    env,
    cwd,
    stdout: { write: (t: string) => void chunks.push(t), isTTY: false, text: () => chunks.join("") } as never,
    stderr: out,
    clock: {
      now: () => Date.now(),
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    },
    log: { info: () => {}, warn: () => {}, debug: () => {}, once: () => {} },
    signal: new AbortController().signal,
    hostname: "bench",
    stdin: (async function* () {})(),
  };
};

const aggregateOnce = async (config: string, env: Record<string, string>, cwd: string) => {
  const d = deps(env, cwd);
  const t = performance.now();
  await aggregateCommand({ config, json: true }, d);
  const seconds = (performance.now() - t) / 1000;
  return {
    seconds,
    report: JSON.parse((d.stdout as unknown as { text(): string }).text()) as AggregateReport,
  };
};

const main = async () => {
  const dir = await mkdtemp(join(tmpdir(), "dogdriver-bench-agg-"));
  const dd = await startDatadogEmulator();
  const s3 = await startS3Server();
  const ddEnv = { DD_API_KEY: dd.apiKey, DD_APP_KEY: dd.appKey, DOGDRIVER_DD_URL: dd.url };
  const rows: string[] = [];
  const s3Requests = (since: number) => {
    const seen = s3.requests().slice(since);
    const count = (m: string) => seen.filter((r) => r.method === m).length;
    return `${count("GET")} GET, ${count("PUT")} PUT, ${count("DELETE")} DELETE`;
  };
  try {
    const now = Date.now();
    await seedServerMetrics(dd, SERVICES, now - 58 * MINUTE, now);
    for (const [backend, perService] of [
      ["file", 5],
      ["file", 25],
      ["s3", 5],
      ["s3", 25],
    ] as const) {
      dd.reset();
      await seedServerMetrics(dd, SERVICES, now - 58 * MINUTE, now);
      const url =
        backend === "file"
          ? `file://${join(dir, `backlog-${perService}`)}`
          : `s3://${s3.bucket}/backlog-${perService}`;
      const env = { ...(backend === "s3" ? s3.env : {}), ...ddEnv };
      const store = openStore(url, deps(env, dir));
      // Back-to-back one-minute runs over the last 50 minutes, ending 12 minutes ago (settled).
      const spacing = Math.floor((38 * MINUTE) / perService);
      const runs = SERVICES.flatMap((s) =>
        Array.from({ length: perService }, (_, i) => run(s, now - 50 * MINUTE + i * spacing, "pending")),
      );
      for await (const _ of mapOrdered(runs, 16, (r) => store.putRun(r)));
      const before = s3.requests().length;
      const { seconds, report } = await aggregateOnce(await writeBenchConfig(dir, url, SERVICES), env, dir);
      rows.push(
        `| backlog, ${backend} | ${runs.length} pending (${perService}/service) | ${report.runs.processed.length} | ${report.calls.queries} | ${report.calls.submissions} | ${report.calls.events} | ${backend === "s3" ? s3Requests(before) : "-"} | ${seconds.toFixed(2)} s |`,
      );
    }

    // Steady state on S3: 2,000 finished runs, one new pending run per service; first call builds the index.
    const url = `s3://${s3.bucket}/steady`;
    const env = { ...s3.env, ...ddEnv };
    const store = openStore(url, deps(env, dir));
    const finished = Array.from({ length: 2000 }, (_, i) =>
      run(
        SERVICES[i % SERVICES.length] ?? "svc0",
        now - 30 * 24 * 60 * MINUTE + i * 20 * MINUTE,
        "aggregated",
      ),
    );
    for await (const _ of mapOrdered(finished, 16, (r) => store.putRun(r)));
    const config = await writeBenchConfig(dir, url, SERVICES);
    for (const label of ["first call (index empty)", "next call (index built)"]) {
      for (const s of SERVICES)
        await store.putRun(run(s, now - (label.startsWith("first") ? 20 : 15) * MINUTE, "pending"));
      const before = s3.requests().length;
      const { seconds, report } = await aggregateOnce(config, env, dir);
      rows.push(
        `| steady, s3, ${label} | 2,000 finished + ${SERVICES.length} pending | ${report.runs.processed.length} | ${report.calls.queries} | ${report.calls.submissions} | ${report.calls.events} | ${s3Requests(before)} | ${seconds.toFixed(2)} s |`,
      );
    }
  } finally {
    await dd.close();
    await s3.close();
    await rm(dir, { recursive: true, force: true });
  }
  const header = [
    "| scenario | runs in store | completed | query calls | metric submissions | events | S3 requests | time |",
    "|---|---|---|---|---|---|---|---|",
  ];
  process.stdout.write(`${[...header, ...rows].join("\n")}\n`);
};

await main();
