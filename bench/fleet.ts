import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { openStore } from "../src/store/open-store.js";
import type { RunRecord } from "../src/store/run-record.js";
import { type Emulator, startDatadogEmulator } from "../test/support/datadog-emulator/index.js";
import { type HttpService, startHttpService } from "../test/support/http-service.js";
import { startS3Server } from "../test/support/s3-server.js";

// A fleet on one machine: SERVICES local services, SOURCES regions with SHARDS runners each (`dogdriver run --all
// --shard i/N` as separate processes of the built CLI, all at once, as an Indexed Job's pods would), then one
// `aggregate` per region, at the same time, on one S3 store (the local S3 server) and the Datadog emulator.
// Checked each cycle: every service tested exactly once per source, no service by two runners, every run
// aggregated exactly once (one submission of its gauges). Reported: time per cycle, store and Datadog calls per
// run, and each runner's CPU time and peak memory (for the Kubernetes requests in deploy/).
//
// Molotov itself is replaced by a stub (DOGDRIVER_PYTHON points at a shell script that writes 20 request samples
// and Molotov's counters, as the capture extension would): 1,500 real Molotov starts per cycle do not fit on
// 2 shared cores. Everything else is dogdriver as deployed. `--real N` also times N real Molotov runs (one
// request each) from one runner, the per-run cost the stub leaves out.
// Run: npx tsc -p bench/tsconfig.json && node .tmp/bench/bench/fleet.js [--services 500] [--cycles 2] [--real 8]
// [--file]

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : Number(process.argv[i + 1]);
};
const SERVICES = arg("services", 500);
const CYCLES = arg("cycles", 2);
const REAL = arg("real", 0);
// --file: a file:// store on the local disk instead of the S3 server (store requests are then not counted).
const FILE_STORE = process.argv.includes("--file");
const SOURCES = ["eu-west", "us-east", "ap-south"];
const SHARDS = 4;
const CLI = fileURLToPath(new URL("../../../dist/cli.js", import.meta.url));
const TIME = "/usr/bin/time";

const STUB = `#!/bin/sh
# Stands in for "python -c BOOTSTRAP ARGS" (src/runner/molotov-process.ts): 20 samples, then the counters.
t=$(date +%s)
f="$DOGDRIVER_CAPTURE_DIR/requests-$$.tsv"
i=10
while [ $i -lt 30 ]; do printf '%s.%03d\\tGET\\t/\\t200\\t%s\\t\\n' "$t" "$i" "$i" >> "$f"; i=$((i+1)); done
printf '{"OK": 20, "FAILED": 0, "SETUP_FAILED": 0, "SESSION_SETUP_FAILED": 0}' > "$DOGDRIVER_RESULT_FILE"
`;

interface ProcessResult {
  code: number;
  stdout: string;
  stderr: string;
  cpuS?: number;
  maxRssMb?: number;
}

/** Runs the CLI under /usr/bin/time (when present) for CPU time and peak memory. */
const cli = (args: string[], env: Record<string, string>, cwd: string): Promise<ProcessResult> =>
  new Promise((resolve, reject) => {
    const timed = existsSync(TIME);
    const command = timed ? TIME : process.execPath;
    const argv = timed ? ["-f", "TIME %U %S %M", process.execPath, CLI, ...args] : [CLI, ...args];
    const child = spawn(command, argv, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += String(chunk);
    });
    child.stderr.on("data", (chunk) => {
      stderr += String(chunk);
    });
    child.on("error", reject);
    child.on("close", (code) => {
      const m = /TIME ([\d.]+) ([\d.]+) (\d+)\s*$/.exec(stderr);
      resolve({
        code: code ?? 1,
        stdout,
        stderr,
        ...(m ? { cpuS: Number(m[1]) + Number(m[2]), maxRssMb: Number(m[3]) / 1024 } : {}),
      });
    });
  });

const fmt = (n: number, digits = 1) => n.toFixed(digits);

const main = async () => {
  const dir = await mkdtemp(join(tmpdir(), "dogdriver-bench-fleet-"));
  const s3 = await startS3Server();
  const dd: Emulator = await startDatadogEmulator();
  const targets: HttpService[] = await Promise.all(
    Array.from({ length: 10 }, () => startHttpService({ delayMs: 1 })),
  );
  const load = () =>
    loadavg()
      .map((l) => l.toFixed(1))
      .join(" ");
  const startLoad = load();
  try {
    await mkdir(join(dir, "t"));
    await writeFile(
      join(dir, "t", "molotov.json"),
      JSON.stringify({
        molotov: { tests: { dogdriver: { scenario: "loadtest.py", max_runs: 1, workers: 1 } } },
      }),
    );
    await writeFile(
      join(dir, "t", "loadtest.py"),
      await readFile(fileURLToPath(new URL("../../../examples/loadtest/loadtest.py", import.meta.url))),
    );
    await writeFile(join(dir, "stub-python"), STUB);
    await chmod(join(dir, "stub-python"), 0o755);
    const services = Array.from({ length: SERVICES }, (_, i) => ({
      name: `svc-${String(i).padStart(3, "0")}`,
      env: "prod",
      endpoint: `${targets[i % targets.length]?.url}/svc-${i}`,
      version: "1.0.0",
      test: { repo: "./t" },
      queries: { latency_ms: "avg:trace.http.request.duration{service:{service},env:{env}}" },
    }));
    const store = FILE_STORE ? `file://${join(dir, "store")}` : `s3://${s3.bucket}/fleet`;
    await writeFile(join(dir, "dogdriver.config.json"), JSON.stringify({ store, settle: "1s", services }));
    const baseEnv = {
      PATH: process.env.PATH ?? "",
      HOME: dir,
      ...s3.env,
      DD_API_KEY: dd.apiKey,
      DD_APP_KEY: dd.appKey,
      DOGDRIVER_DD_URL: dd.url,
      DOGDRIVER_CACHE_DIR: join(dir, "cache"),
    };
    const readStore = openStore(store, {
      env: s3.env,
      cwd: dir,
      clock: { now: () => Date.now(), sleep: (ms: number) => new Promise((r) => setTimeout(r, ms)) },
      log: { info: () => {}, warn: () => {}, debug: () => {}, once: () => {} },
      signal: new AbortController().signal,
    } as never);

    if (REAL > 0) {
      const realDir = join(dir, "real");
      await mkdir(realDir);
      await writeFile(
        join(realDir, "dogdriver.config.json"),
        JSON.stringify({
          store: `file://${join(realDir, "store")}`,
          services: services.slice(0, REAL).map((s) => ({ ...s, test: { repo: join(dir, "t") } })),
        }),
      );
      const t = performance.now();
      const real = await cli(["run", "--all"], { ...baseEnv, DOGDRIVER_SOURCE: "real" }, realDir);
      const seconds = (performance.now() - t) / 1000;
      console.log(
        `real Molotov: ${REAL} runs (one request each) from one runner in ${fmt(seconds)} s: ${fmt(seconds / REAL, 2)} s per run, exit ${real.code}, runner CPU ${fmt(real.cpuS ?? Number.NaN)} s (load average ${load()})`,
      );
    }

    console.log(
      `| cycle | runs | run phase (s) | aggregate phase (s) | cycle (s) | store requests per run (run + aggregate) | Datadog calls per run (run + aggregate) | runner CPU max (s) | runner peak RSS max (MiB) | aggregator peak RSS max (MiB) | runs whose gauges two aggregators sent |`,
    );
    console.log("|---|---|---|---|---|---|---|---|---|---|---|");
    const seenIds = new Set<string>();
    for (let cycle = 1; cycle <= CYCLES; cycle += 1) {
      const s3Before = s3.requests().length;
      const ddBefore = dd.requests().length;
      const t0 = performance.now();
      const runners = await Promise.all(
        SOURCES.flatMap((source) =>
          Array.from({ length: SHARDS }, (_, i) =>
            cli(
              ["run", "--all", "--shard", `${i + 1}/${SHARDS}`],
              {
                ...baseEnv,
                DOGDRIVER_SOURCE: source,
                DOGDRIVER_PYTHON: join(dir, "stub-python"),
                DOGDRIVER_SPOOL_DIR: join(dir, `spool-${source}-${i}`),
              },
              dir,
            ),
          ),
        ),
      );
      const t1 = performance.now();
      const s3Mid = s3.requests().length;
      const ddMid = dd.requests().length;
      for (const r of runners)
        if (r.code !== 0) throw new Error(`a runner failed (${r.code}): ${r.stderr.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 1500)); // settle: 1s
      const t2 = performance.now();
      const aggregators = await Promise.all(
        SOURCES.map((source) => cli(["aggregate", "--json"], { ...baseEnv, DOGDRIVER_SOURCE: source }, dir)),
      );
      const t3 = performance.now();
      for (const a of aggregators)
        if (a.code !== 0) throw new Error(`an aggregator failed: ${a.stderr.slice(-2000)}`);

      // Checks: this cycle's runs, one per service and source, each aggregated, each submitted once.
      const runs: RunRecord[] = [];
      for await (const record of readStore.listRuns()) if (!seenIds.has(record.id)) runs.push(record);
      for (const r of runs) seenIds.add(r.id);
      const perKey = new Map<string, number>();
      for (const r of runs)
        perKey.set(`${r.source}/${r.service}`, (perKey.get(`${r.source}/${r.service}`) ?? 0) + 1);
      const problems: string[] = [];
      if (runs.length !== SERVICES * SOURCES.length)
        problems.push(`${runs.length} runs, expected ${SERVICES * SOURCES.length}`);
      const twice = [...perKey].filter(([, n]) => n !== 1);
      if (twice.length > 0)
        problems.push(`${twice.length} service/source pairs tested ${twice[0]?.[1]} times`);
      const notAggregated = runs.filter((r) => r.state !== "aggregated");
      if (notAggregated.length > 0) problems.push(`${notAggregated.length} runs not aggregated`);
      // Exactly once: each run completed by one aggregator, in one call.
      const completed = aggregators.flatMap(
        (a) => (JSON.parse(a.stdout) as { runs: { processed: { key: string }[] } }).runs.processed,
      );
      const keys = new Set(completed.map((r) => r.key));
      if (completed.length !== runs.length || keys.size !== runs.length)
        problems.push(
          `${completed.length} completions of ${keys.size} runs, expected ${runs.length} of ${runs.length}`,
        );
      // Gauges are at least once by design (docs/aggregator.md): when two aggregators flush the outbox at once
      // both may submit a run's gauges (same series and second: Datadog keeps one). Counted, not an error.
      const submissions = new Map<string, number>();
      for (const request of dd.requests().slice(ddMid)) {
        if (request.path !== "/api/v2/series") continue;
        const body = request.body as {
          series?: { metric: string; tags?: string[]; points: { timestamp: number }[] }[];
        };
        for (const s of body.series ?? []) {
          if (s.metric !== "dogdriver.run.requests") continue;
          const key = `${[...(s.tags ?? [])].sort().join(",")}@${s.points[0]?.timestamp}`;
          submissions.set(key, (submissions.get(key) ?? 0) + 1);
        }
      }
      const resent = [...submissions.values()].filter((n) => n > 1).length;
      if (submissions.size !== runs.length)
        problems.push(`${submissions.size} runs' gauges submitted, expected ${runs.length}`);
      if (problems.length > 0) throw new Error(`cycle ${cycle}: ${problems.join("; ")}`);

      const n = runs.length;
      const ddRun = dd.requests().slice(ddBefore, ddMid).length / n;
      const ddAgg = dd.requests().slice(ddMid).length / n;
      const s3Run = (s3Mid - s3Before) / n;
      const s3Agg = (s3.requests().length - s3Mid) / n;
      const runSeconds = (t1 - t0) / 1000;
      const aggSeconds = (t3 - t2) / 1000;
      const maxOf = (rs: ProcessResult[], f: (r: ProcessResult) => number | undefined) =>
        Math.max(...rs.map((r) => f(r) ?? Number.NaN));
      console.log(
        `| ${cycle} | ${n} | ${fmt(runSeconds)} | ${fmt(aggSeconds)} | ${fmt(runSeconds + aggSeconds)} | ${fmt(s3Run + s3Agg, 2)} (${fmt(s3Run, 2)} + ${fmt(s3Agg, 2)}) | ${fmt(ddRun + ddAgg, 2)} (${fmt(ddRun, 2)} + ${fmt(ddAgg, 2)}) | ${fmt(maxOf(runners, (r) => r.cpuS))} | ${fmt(
          maxOf(runners, (r) => r.maxRssMb),
          0,
        )} | ${fmt(
          maxOf(aggregators, (r) => r.maxRssMb),
          0,
        )} | ${resent} |`,
      );
    }
    console.log(
      `\n${SERVICES} services × ${SOURCES.length} sources, ${SHARDS} shards per source (${SOURCES.length * SHARDS} runners at once), 2 cores; load average at start ${startLoad}, at end ${load()}`,
    );
  } finally {
    await Promise.all([...targets.map((t) => t.close()), dd.close(), s3.close()]);
    await rm(dir, { recursive: true, force: true });
  }
};

await main();
