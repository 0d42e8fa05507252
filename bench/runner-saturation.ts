import { readdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { execa, type ResultPromise } from "execa";
import type { RunRecord } from "../src/store/run-record.js";
import { benchWorkspace, CLI, fmt, median, startService, stopService } from "./runner-bench-support.js";

// How a busy runner distorts what it measures, and what the runner-health figures show meanwhile.
// The sample service (20 ms per answer) runs on CPU 0 at nice -15, as a remote service would be out of the
// runner's reach; `dogdriver run` (and so molotov) runs on CPU 1. Conditions: "favoured", the runner itself at
// nice -15 (it gets most of CPU 1 whenever it wants it: the reference, closest to an idle runner), then the runner at
// normal priority with 0, 1, 2, 4 busy-loop processes pinned to CPU 1 too, each bounded in time (it ends on its
// own after HOG_LIMIT_S even if this script dies), besides whatever else the shared machine runs. Conditions
// alternate round by round so the neighbours' load hits every condition alike.
// Run: npm run build && npx tsc -p bench/tsconfig.json && node .tmp/bench/bench/runner-saturation.js [rounds] [workers]

const ROUNDS = Number(process.argv[2] ?? 3);
const WORKERS = Number(process.argv[3] ?? 10);
const SECONDS = 6;
/** -1: the runner favoured (nice -15); otherwise the number of busy loops beside it. */
const HOGS = [-1, 0, 1, 2, 4];
const HOG_LIMIT_S = SECONDS + 20;

const startHogs = (n: number): ResultPromise[] =>
  Array.from({ length: Math.max(n, 0) }, () =>
    execa(
      "taskset",
      [
        "-c",
        "1",
        process.execPath,
        "-e",
        `const end = Date.now() + ${HOG_LIMIT_S * 1000}; while (Date.now() < end) {}`,
      ],
      { reject: false },
    ),
  );

const stopHogs = async (hogs: ResultPromise[]) => {
  for (const hog of hogs) hog.kill("SIGKILL");
  await Promise.all(hogs);
};

const loadAverage = async () => (await readFile("/proc/loadavg", "utf8")).split(" ").slice(0, 3).join(" ");

const service = await startService(20, 0, true);
const dir = await benchWorkspace(service.url, { duration: SECONDS, workers: WORKERS });

/** One `dogdriver run` under `hogs` busy loops; its record, or undefined when none was written (stderr shown). */
const runOnce = async (hogs: number): Promise<RunRecord | undefined> => {
  const running = startHogs(hogs);
  try {
    const favoured = hogs < 0 ? ["nice", "-n", "-15"] : [];
    const result = await execa(
      favoured[0] ?? "taskset",
      [
        ...favoured.slice(1),
        ...(favoured.length ? ["taskset"] : []),
        "-c",
        "1",
        process.execPath,
        CLI,
        "run",
        "bench",
        "--json",
      ],
      {
        cwd: dir,
        reject: false,
      },
    );
    if (!String(result.stdout).trim()) {
      process.stderr.write(`no record: ${String(result.stderr).split("\n").slice(-3).join(" | ")}\n`);
      return undefined;
    }
  } finally {
    await stopHogs(running);
  }
  const runs = join(dir, "store", "runs", "bench", "local");
  const latest = (await readdir(runs)).sort().at(-1) as string;
  const record = JSON.parse(await readFile(join(runs, latest), "utf8")) as RunRecord;
  await rm(join(runs, latest));
  return record;
};

const results = new Map<number, RunRecord[]>(HOGS.map((h) => [h, []]));
const loads: string[] = [await loadAverage()];
try {
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? HOGS : [...HOGS].reverse();
    for (const hogs of order) {
      const record = await runOnce(hogs);
      if (record === undefined) continue;
      results.get(hogs)?.push(record);
      const r = record.runner;
      process.stderr.write(
        `round ${round + 1}, ${hogs} hogs: ${record.state} p95 ${record.client.latency_ms.p95} ms, ${record.client.rps} rps, lag p99 ${r?.lag_ms_p99} ms, host CPU ${r?.cpu_pct}%, molotov CPU ${r?.molotov_cpu_pct}%, load/core ${r?.load_per_core}, flags ${record.flags?.join(",") ?? "-"}\n`,
      );
    }
    loads.push(await loadAverage());
  }
} finally {
  await stopService(service);
  await rm(dir, { recursive: true, force: true });
}

const base = results.get(-1) ?? [];
const baseP95 = median(base.map((r) => r.client.latency_ms.p95 ?? 0));
const baseRps = median(base.map((r) => r.client.rps));
const list = (values: (number | null | undefined)[], digits = 1) =>
  values.map((v) => (v === null || v === undefined ? "-" : fmt(v, digits))).join(", ");
const rows = HOGS.map((hogs) => {
  const runs = results.get(hogs) ?? [];
  const p95 = median(runs.map((r) => r.client.latency_ms.p95 ?? 0));
  const rps = median(runs.map((r) => r.client.rps));
  const flagged = runs.filter((r) => r.flags?.includes("runner_saturated")).length;
  return `| ${hogs < 0 ? "favoured (nice -15)" : `${hogs} hogs`} | ${list(runs.map((r) => r.client.latency_ms.p95))} | ${fmt(100 * (p95 / baseP95 - 1), 1)}% | ${list(
    runs.map((r) => r.client.rps),
    0,
  )} | ${fmt(100 * (rps / baseRps - 1), 1)}% | ${list(runs.map((r) => r.runner?.lag_ms_p99))} | ${list(
    runs.map((r) => r.runner?.cpu_pct),
    0,
  )} | ${list(
    runs.map((r) => r.runner?.molotov_cpu_pct),
    0,
  )} | ${list(
    runs.map((r) => r.runner?.load_per_core),
    2,
  )} | ${flagged}/${runs.length} |`;
});
process.stdout.write(
  [
    `Runner saturation: sample service 20 ms (CPU 0, nice -15), dogdriver run with molotov -w ${WORKERS} -d ${SECONDS} and N busy loops (CPU 1), ${ROUNDS} alternating rounds. Load average (1, 5, 15 min) before and after each round: ${loads.join(" | ")}.`,
    "",
    "| runner | p95 ms (per round) | p95 drift (medians) | rps (per round) | rps drift | lag p99 ms | host CPU % | molotov CPU % | load per core | flagged |",
    "|---|---|---|---|---|---|---|---|---|---|",
    ...rows,
    "",
  ].join("\n"),
);
