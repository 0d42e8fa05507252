import { readdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { execa, type ResultPromise } from "execa";
import type { RunRecord } from "../src/store/run-record.js";
import { benchWorkspace, CLI, fmt, median, ROOT, startService, stopService } from "./runner-bench-support.js";

// How a busy runner distorts what it measures, what the runner-health figures show meanwhile, and whether the
// flag runner_saturated fires. The sample service (20 ms per answer) runs on CPU 0 at nice -15, as a remote
// service would be out of the runner's reach; `dogdriver run` (and so molotov) runs on CPU 1 at nice 0.
// Conditions:
// - `idle`: nothing of ours beside the runner on CPU 1 (the reference);
// - `N hogs`: N busy loops on CPU 1; `1 hog nice -K`: one at a higher priority than the runner (a busy neighbour
//   of a real runner can have one; needs root); each hog leads its own session and ends on its own after
//   HOG_LIMIT_S even if this script dies;
// - `slow service`: 2 busy loops on the service's CPU 0: the service, not the runner, is slow (the flag must not
//   fire);
// - `suite`: the runner unpinned while two of the project's test files run in one vitest (its own parallelism:
//   two files at once): the test suite's ordinary busy machine (the flag must not fire).
// Conditions alternate round by round so the neighbours' load hits every condition alike.
// Run: npm run build && npx tsc -p bench/tsconfig.json &&
//   flock /tmp/dogdriver-bench.lock node .tmp/bench/bench/runner-saturation.js [rounds] [workers] [condition,...]

const ROUNDS = Number(process.argv[2] ?? 3);
const WORKERS = Number(process.argv[3] ?? 10);
const SECONDS = 6;
const HOG_LIMIT_S = SECONDS + 20;
const SUITE_FILES = ["test/runner/scenario-failures.test.ts", "test/check/check.test.ts"];

interface Condition {
  label: string;
  hogs: number;
  hogNice: number;
  hogCpu: number;
  /** The runner's nice value; undefined: unpinned at nice 0 beside a vitest run (the `suite` condition). */
  runnerNice?: number;
}

const ALL: Condition[] = [
  { label: "idle", hogs: 0, hogNice: 0, hogCpu: 1, runnerNice: 0 },
  { label: "1 hog", hogs: 1, hogNice: 0, hogCpu: 1, runnerNice: 0 },
  { label: "2 hogs", hogs: 2, hogNice: 0, hogCpu: 1, runnerNice: 0 },
  { label: "4 hogs", hogs: 4, hogNice: 0, hogCpu: 1, runnerNice: 0 },
  { label: "1 hog nice -5", hogs: 1, hogNice: -5, hogCpu: 1, runnerNice: 0 },
  { label: "1 hog nice -10", hogs: 1, hogNice: -10, hogCpu: 1, runnerNice: 0 },
  { label: "slow service", hogs: 2, hogNice: 0, hogCpu: 0, runnerNice: 0 },
  { label: "suite", hogs: 0, hogNice: 0, hogCpu: 1 },
];
const wanted = process.argv[4]?.split(",");
const CONDITIONS = wanted ? ALL.filter((c) => wanted.includes(c.label)) : ALL;

// Each hog leads its own session, like an unrelated program: with Linux's autogroup scheduling (on by default)
// each session gets a fair share of a CPU, so busy loops started from one session would count as one neighbour,
// and nice would only rank processes within it. A hog's priority is set on both its autogroup and itself.
const startHogs = (c: Condition): ResultPromise[] =>
  Array.from({ length: c.hogs }, () =>
    execa(
      "sh",
      [
        "-c",
        `echo ${c.hogNice} > /proc/self/autogroup 2>/dev/null; exec nice -n ${c.hogNice} taskset -c ${c.hogCpu} "$0" -e "$1"`,
        process.execPath,
        `const end = Date.now() + ${HOG_LIMIT_S * 1000}; while (Date.now() < end) {}`,
      ],
      { reject: false, detached: true },
    ),
  );

/** Two test files of the suite in one vitest (its own process group, killed whole after the run). */
const startSuite = (): ResultPromise =>
  execa(join(ROOT, "node_modules/.bin/vitest"), ["run", ...SUITE_FILES], {
    cwd: ROOT,
    reject: false,
    detached: true,
    timeout: (HOG_LIMIT_S + 30) * 1000,
  });

const stop = async (children: ResultPromise[], group = false) => {
  for (const child of children) {
    if (group && child.pid !== undefined) {
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    } else child.kill("SIGKILL");
  }
  await Promise.all(children);
};

const loadAverage = async () => (await readFile("/proc/loadavg", "utf8")).split(" ").slice(0, 3).join(" ");

const service = await startService(20, 0, true);
const dir = await benchWorkspace(service.url, { duration: SECONDS, workers: WORKERS });

/** One `dogdriver run` under condition `c`; its record, or undefined when none was written (stderr shown). */
const runOnce = async (c: Condition): Promise<RunRecord | undefined> => {
  const hogs = startHogs(c);
  const suite = c.runnerNice === undefined ? [startSuite()] : [];
  try {
    // The suite's vitest needs a few seconds to start its files: let the load overlap them.
    if (suite.length) await new Promise((r) => setTimeout(r, 3000));
    const cli = [process.execPath, CLI, "run", "bench", "--json"];
    const command =
      c.runnerNice === undefined ? cli : ["nice", "-n", String(c.runnerNice), "taskset", "-c", "1", ...cli];
    const result = await execa(command[0] as string, command.slice(1), { cwd: dir, reject: false });
    if (!String(result.stdout).trim()) {
      process.stderr.write(`no record: ${String(result.stderr).split("\n").slice(-3).join(" | ")}\n`);
      return undefined;
    }
  } finally {
    await stop(hogs);
    await stop(suite, true);
  }
  const runs = join(dir, "store", "runs", "bench", "local");
  const latest = (await readdir(runs)).sort().at(-1) as string;
  const record = JSON.parse(await readFile(join(runs, latest), "utf8")) as RunRecord;
  await rm(join(runs, latest));
  return record;
};

const results = new Map<string, RunRecord[]>(CONDITIONS.map((c) => [c.label, []]));
const loads: string[] = [await loadAverage()];
try {
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? CONDITIONS : [...CONDITIONS].reverse();
    for (const c of order) {
      const record = await runOnce(c);
      if (record === undefined) continue;
      results.get(c.label)?.push(record);
      const r = record.runner;
      const l = record.client.latency_ms;
      process.stderr.write(
        `round ${round + 1}, ${c.label}: ${record.state} p50 ${l.p50} p95 ${l.p95} ms, ${record.client.rps} rps, lag p99 ${r?.lag_ms_p99} ms, host CPU ${r?.cpu_pct}%, molotov CPU ${r?.molotov_cpu_pct}% wait ${r?.molotov_wait_pct}% (${r?.molotov_wait_ms_per_slice} ms/slice), load/core ${r?.load_per_core}, flags ${record.flags?.join(",") ?? "-"}\n`,
      );
    }
    loads.push(await loadAverage());
  }
} finally {
  await stopService(service);
  await rm(dir, { recursive: true, force: true });
}

const base = results.get(CONDITIONS[0]?.label ?? "") ?? [];
const baseP50 = median(base.map((r) => r.client.latency_ms.p50 ?? 0));
const baseP95 = median(base.map((r) => r.client.latency_ms.p95 ?? 0));
const baseRps = median(base.map((r) => r.client.rps));
const list = (values: (number | null | undefined)[], digits = 1) =>
  values.map((v) => (v === null || v === undefined ? "-" : fmt(v, digits))).join(", ");
const drift = (value: number, ref: number) => `${value >= ref ? "+" : ""}${fmt(100 * (value / ref - 1), 0)}%`;
const rows = CONDITIONS.map((c) => {
  const runs = results.get(c.label) ?? [];
  const p50 = median(runs.map((r) => r.client.latency_ms.p50 ?? 0));
  const p95 = median(runs.map((r) => r.client.latency_ms.p95 ?? 0));
  const rps = median(runs.map((r) => r.client.rps));
  const flagged = runs.filter((r) => r.flags?.includes("runner_saturated")).length;
  const field = (f: (r: RunRecord) => number | null | undefined, digits = 1) => list(runs.map(f), digits);
  return `| ${c.label} | ${field((r) => r.client.latency_ms.p50)} (${drift(p50, baseP50)}) | ${field((r) => r.client.latency_ms.p95)} (${drift(p95, baseP95)}) | ${field((r) => r.client.rps, 0)} (${drift(rps, baseRps)}) | ${field((r) => r.runner?.lag_ms_p99)} | ${field((r) => r.runner?.cpu_pct, 0)} | ${field((r) => r.runner?.molotov_cpu_pct, 0)} | ${field((r) => r.runner?.molotov_wait_pct, 0)} | ${field((r) => r.runner?.molotov_wait_ms_per_slice, 2)} | ${field((r) => r.runner?.load_per_core, 2)} | ${flagged}/${runs.length} |`;
});
process.stdout.write(
  [
    `Runner saturation: sample service 20 ms (CPU 0, nice -15), dogdriver run with molotov -w ${WORKERS} -d ${SECONDS} on CPU 1, ${ROUNDS} alternating rounds; drift: median against the ${CONDITIONS[0]?.label} median. Load average (1, 5, 15 min) before and after each round: ${loads.join(" | ")}.`,
    "",
    "| condition | p50 ms (drift) | p95 ms (drift) | rps (drift) | lag p99 ms | host CPU % | molotov CPU % | molotov wait % | wait ms per slice | load per core | flagged |",
    "|---|---|---|---|---|---|---|---|---|---|---|",
    ...rows,
    "",
  ].join("\n"),
);
