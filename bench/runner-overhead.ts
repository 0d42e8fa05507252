import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { execa } from "execa";
import {
  benchWorkspace,
  CLI,
  fmt,
  median,
  PYTHON,
  ROOT,
  startService,
  stopService,
} from "./runner-bench-support.js";

// The cost of dogdriver around molotov, on the sample service with no delay (the worst case: the client is the
// bottleneck). The service is pinned to CPU 0, molotov to CPU 1; variants alternate, ROUNDS times each.
// 1. Throughput: molotov with dogdriver's extension vs bare molotov, same flags (-w 10 -d 10). rps = scenario
//    runs (one request each) / -d. Target: ratio >= 0.95. On a shared machine throughput swings with other
//    processes, so the CPU time molotov spent per request (user + sys from getrusage) is reported as well: the
//    extension's cost shows there without the neighbours' noise.
// 2. Wall time: `dogdriver run` (the built CLI: config, version, extension, summary, store) vs bare molotov for
//    a 10 s test with the same flags. Target: ratio <= 1.10.
// Run: npm run build && npx tsc -p bench/tsconfig.json && node .tmp/bench/bench/runner-overhead.js

const ROUNDS = Number(process.argv[2] ?? 6);
const SECONDS = 10;
const WORKERS = 10;
const EXTENSION = join(ROOT, "extension/dogdriver_ext.py");

const service = await startService(0, 0);
const dir = await benchWorkspace(service.url, { duration: SECONDS, workers: WORKERS });
const testDir = join(dir, "test");

// A bootstrap like dogdriver's (src/runner/molotov-process.ts: the counters from run(), which main() returns only
// up to Molotov 2.1; without its parent watcher) plus the process's CPU time (-p 1: RUSAGE_SELF is all). PYTHON:
// DOGDRIVER_PYTHON, else Debian's.
const BOOTSTRAP = [
  "import json, os, resource, sys",
  'sys.argv[0] = "molotov"',
  "import molotov.run",
  "counters = []",
  "molotov_run = molotov.run.run",
  "molotov.run.run = lambda *args, **kw: counters.append(molotov_run(*args, **kw)) or counters[-1]",
  "molotov.run.main()",
  "result = counters[-1]",
  "usage = resource.getrusage(resource.RUSAGE_SELF)",
  'result["CPU_S"] = usage.ru_utime + usage.ru_stime',
  'with open(os.environ["DOGDRIVER_RESULT_FILE"], "w") as out:',
  "    json.dump(result, out)",
].join("\n");

/** One bare or instrumented molotov run: its rps, CPU µs per request and wall time. */
const molotov = async (withExtension: boolean) => {
  const capture = await mkdtemp(join(tmpdir(), "dogdriver-bench-capture-"));
  const flags = ["-w", String(WORKERS), "-d", String(SECONDS)];
  const args = withExtension
    ? [...flags, "--use-extension", EXTENSION, "--", "loadtest.py"]
    : [...flags, "loadtest.py"];
  const started = performance.now();
  await execa("taskset", ["-c", "1", PYTHON, "-c", BOOTSTRAP, ...args], {
    cwd: testDir,
    env: {
      DOGDRIVER_CAPTURE_DIR: capture,
      DOGDRIVER_RESULT_FILE: join(capture, "result.json"),
      DOGDRIVER_ENDPOINT: service.url,
    },
  });
  const wallMs = performance.now() - started;
  const result = JSON.parse(await readFile(join(capture, "result.json"), "utf8")) as {
    OK: number;
    CPU_S: number;
  };
  await rm(capture, { recursive: true, force: true });
  return { rps: result.OK / SECONDS, cpuUs: (result.CPU_S * 1e6) / result.OK, wallMs };
};

const dogdriverWall = async () => {
  const started = performance.now();
  await execa("taskset", ["-c", "1", process.execPath, CLI, "run", "bench"], { cwd: dir });
  return performance.now() - started;
};

type MolotovRun = Awaited<ReturnType<typeof molotov>>;
const bare: MolotovRun[] = [];
const extended: MolotovRun[] = [];
const dogdriver: number[] = [];
try {
  for (let round = 0; round < ROUNDS; round++) {
    // Alternate the order each round so a drift in machine load hits both sides.
    const order = round % 2 === 0 ? ["bare", "ext", "dd"] : ["dd", "ext", "bare"];
    for (const variant of order) {
      if (variant === "bare") bare.push(await molotov(false));
      else if (variant === "ext") extended.push(await molotov(true));
      else dogdriver.push(await dogdriverWall());
    }
    process.stderr.write(
      `round ${round + 1}: bare ${fmt(bare.at(-1)?.rps ?? 0, 0)} rps ${fmt((bare.at(-1)?.wallMs ?? 0) / 1000)} s, extension ${fmt(extended.at(-1)?.rps ?? 0, 0)} rps, CPU ${fmt(bare.at(-1)?.cpuUs ?? 0, 0)} vs ${fmt(extended.at(-1)?.cpuUs ?? 0, 0)} µs/req, dogdriver run ${fmt((dogdriver.at(-1) ?? 0) / 1000)} s\n`,
    );
  }
} finally {
  await stopService(service);
  await rm(dir, { recursive: true, force: true });
}

const bareRps = bare.map((b) => b.rps);
const extRps = extended.map((e) => e.rps);
const bareCpu = bare.map((b) => b.cpuUs);
const extCpu = extended.map((e) => e.cpuUs);
const cpuRatio = median(extCpu) / median(bareCpu);
const bareWall = bare.map((b) => b.wallMs / 1000);
const ddWall = dogdriver.map((ms) => ms / 1000);
const rpsRatio = median(extRps) / median(bareRps);
const wallRatio = median(ddWall) / median(bareWall);
process.stdout.write(
  [
    `Overhead: sample service with no delay (CPU 0), molotov -w ${WORKERS} -d ${SECONDS} (CPU 1), ${ROUNDS} alternating rounds.`,
    "",
    "| measure | bare molotov | with dogdriver | ratio (medians) | target |",
    "|---|---|---|---|---|",
    `| rps (per round) | ${bareRps.map((v) => fmt(v, 0)).join(", ")} | ${extRps.map((v) => fmt(v, 0)).join(", ")} (extension) | ${fmt(rpsRatio, 3)} | >= 0.95 ${rpsRatio >= 0.95 ? "met" : "**missed**"} |`,
    `| CPU µs per request (per round) | ${bareCpu.map((v) => fmt(v, 0)).join(", ")} | ${extCpu.map((v) => fmt(v, 0)).join(", ")} (extension) | ${fmt(cpuRatio, 3)} (throughput equivalent ${fmt(1 / cpuRatio, 3)}) | |`,
    `| wall time, s (per round) | ${bareWall.map((v) => fmt(v)).join(", ")} | ${ddWall.map((v) => fmt(v)).join(", ")} (dogdriver run) | ${fmt(wallRatio, 3)} | <= 1.10 ${wallRatio <= 1.1 ? "met" : "**missed**"} |`,
    "",
  ].join("\n"),
);
