import { rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { execa } from "execa";
import { startDatadogEmulator } from "../test/support/datadog-emulator/index.js";
import { watchPeakRss } from "./process-tree.js";
import {
  benchWorkspace,
  fmt,
  median,
  PYTHON,
  ROOT,
  startService,
  stopService,
} from "./runner-bench-support.js";

// What `dogdriver run` adds to a load test: wall time over bare Molotov for the same 5 s test, and the peak
// resident memory of the whole process tree (node + Molotov's Python), with and without DD_API_KEY (Datadog is
// the emulator on 127.0.0.1; `run` queues its events in the store and should never reach it). Each CLI given
// and bare Molotov run in every round, order alternating, so load from other processes hits all alike.
// Run: npm run build && npx tsc -p bench/tsconfig.json &&
//      node .tmp/bench/bench/run-cost.js [rounds] [name=path/to/dist/cli.js ...]

const ROUNDS = Number(process.argv[2] ?? 5);
const CLIS = (process.argv.slice(3).length > 0 ? process.argv.slice(3) : ["this=dist/cli.js"]).map((arg) => {
  const [name = "", path = ""] = arg.split("=");
  return { name, path: resolve(ROOT, path) };
});
const SECONDS = 5;
const WORKERS = 10;
const DELAY_MS = 20;

const service = await startService(DELAY_MS);
const dd = await startDatadogEmulator();
const dir = await benchWorkspace(service.url, { duration: SECONDS, workers: WORKERS });

/** Runs a command, sampling its process tree; wall seconds and peak MB. */
const measure = async (
  file: string,
  args: string[],
  options: { cwd: string; env: Record<string, string> },
) => {
  const started = performance.now();
  const child = execa(file, args, { ...options, extendEnv: false });
  const peak = watchPeakRss(child.pid as number);
  await child;
  return { wallS: (performance.now() - started) / 1000, peakMb: peak.stop() };
};

const baseEnv = { PATH: process.env.PATH ?? "", HOME: dir, DOGDRIVER_CACHE_DIR: join(dir, "cache") };
const withKeys = { DD_API_KEY: dd.apiKey, DD_APP_KEY: dd.appKey, DOGDRIVER_DD_URL: dd.url };
const bareMolotov = () =>
  measure(
    PYTHON,
    [
      "-c",
      'import sys; sys.argv[0] = "molotov"; from molotov.run import main; main()',
      "-w",
      String(WORKERS),
      "-d",
      String(SECONDS),
      "loadtest.py",
    ],
    { cwd: join(dir, "test"), env: { ...baseEnv, DOGDRIVER_ENDPOINT: service.url } },
  );

const variants = [
  { name: "bare molotov", go: bareMolotov },
  ...CLIS.flatMap((cli) => [
    {
      name: `${cli.name}: run, no keys`,
      go: () => measure(process.execPath, [cli.path, "run", "bench"], { cwd: dir, env: baseEnv }),
    },
    {
      name: `${cli.name}: run, DD keys`,
      go: () =>
        measure(process.execPath, [cli.path, "run", "bench"], { cwd: dir, env: { ...baseEnv, ...withKeys } }),
    },
  ]),
];
const results = new Map<string, { wallS: number; peakMb: number }[]>();
try {
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? variants : [...variants].reverse();
    for (const v of order) results.set(v.name, [...(results.get(v.name) ?? []), await v.go()]);
    process.stderr.write(
      `round ${round + 1}: ${variants.map((v) => `${v.name} ${fmt(results.get(v.name)?.at(-1)?.wallS ?? 0)} s ${fmt(results.get(v.name)?.at(-1)?.peakMb ?? 0, 0)} MB`).join("; ")}\n`,
    );
  }
} finally {
  await stopService(service);
  await dd.close();
  await rm(dir, { recursive: true, force: true });
}
const bare = results.get("bare molotov") ?? [];
// Paired: each round's difference to that round's bare Molotov, then the median of the differences.
const overhead = (name: string) => {
  const runs = results.get(name) ?? [];
  return median(runs.map((r, i) => r.wallS - (bare[i]?.wallS ?? Number.NaN)));
};
process.stdout.write(
  [
    `\`run\` of a ${SECONDS} s Molotov test (-w ${WORKERS}, sample service ${DELAY_MS} ms), ${ROUNDS} alternating rounds; Datadog calls seen by the emulator: ${dd.requests().length}.`,
    "",
    "| variant | wall, s (median; per round) | over bare Molotov, s (median of paired differences) | peak RSS of the process tree, MB (median; per round) |",
    "|---|---|---|---|",
    ...variants.map((v) => {
      const runs = results.get(v.name) ?? [];
      const wall = runs.map((r) => r.wallS);
      const rss = runs.map((r) => r.peakMb);
      const over = v.name === "bare molotov" ? "-" : `**${fmt(overhead(v.name))}**`;
      return `| ${v.name} | **${fmt(median(wall))}** (${wall.map((x) => fmt(x)).join(", ")}) | ${over} | **${fmt(median(rss), 0)}** (${rss.map((x) => fmt(x, 0)).join(", ")}) |`;
    }),
    "",
  ].join("\n"),
);
