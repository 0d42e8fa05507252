import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { captureReader } from "../src/runner/capture-reader.js";
import { ClientStats } from "../src/runner/client-stats.js";
import { bootstrapArgs } from "../src/runner/molotov-process.js";
import type { RunRecord } from "../src/store/run-record.js";
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

// Accuracy of the latency dogdriver records. Against the sample service with a fixed 20 ms delay, the recorded
// p50 must be within 1 ms (or 5%) of the delay + the bare round trip. The bare round trip is measured separately
// by a plain aiohttp client (no molotov, no extension), one request at a time, against the same service with no
// delay. "The delay" is taken twice: nominal (20 ms), and as the service really held the answers during that
// very run (its /__stats__: a 20 ms timer fires late by up to a millisecond or more on a busy machine).
// A further reference is the plain client's own p50 against the 20 ms service at the same concurrency.
// The services are pinned to CPU 0, the clients (dogdriver with its molotov, the plain client) to CPU 1; the
// plain client and dogdriver alternate, ROUNDS times, and the medians are compared.
// Run: npm run build && npx tsc -p bench/tsconfig.json && node .tmp/bench/bench/runner-accuracy.js

const DELAY_MS = 20;
const SECONDS = 5;
const ROUNDS = 3;
const LEVELS = [1, 4, 16];

// A plain aiohttp client: `concurrency` tasks GET the URL in a loop for `seconds`; prints the p50 of the time
// from the call to the response headers (what dogdriver's extension times).
const PLAIN_CLIENT = `
import asyncio, sys, time
from time import perf_counter
import aiohttp
url, concurrency, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
pause = float(sys.argv[4]) if len(sys.argv) > 4 else 0.0
samples = []
async def worker(session, end):
    while time.monotonic() < end:
        t0 = perf_counter()
        async with session.get(url) as resp:
            samples.append((perf_counter() - t0) * 1000)
            await resp.read()
        if pause:
            await asyncio.sleep(pause)
async def main():
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=None)) as session:
        end = time.monotonic() + seconds
        await asyncio.gather(*(worker(session, end) for _ in range(concurrency)))
asyncio.run(main())
samples.sort()
print(samples[len(samples) // 2], len(samples))
`;

const plainP50 = async (url: string, concurrency: number, pauseMs = 0) => {
  const args = [
    PYTHON,
    "-c",
    PLAIN_CLIENT,
    `${url}/`,
    String(concurrency),
    String(SECONDS),
    String(pauseMs / 1000),
  ];
  const { stdout } = await execa("taskset", ["-c", "1", ...args]);
  return Number(stdout.split(" ")[0]);
};

/** Runs `measure` and returns its result with the service's real hold p50 (ms) during it. */
const withHold = async (url: string, measure: () => Promise<number>) => {
  await fetch(`${url}/__stats__?reset`).then((r) => r.text());
  const p50 = await measure();
  const stats = (await fetch(`${url}/__stats__`).then((r) => r.json())) as { hold_ms_p50: number };
  return { p50, holdMs: stats.hold_ms_p50 };
};

const dogdriverP50 = async (url: string, workers: number) => {
  const dir = await benchWorkspace(url, { duration: SECONDS, workers });
  const { stdout } = await execa("taskset", ["-c", "1", process.execPath, CLI, "run", "bench", "--json"], {
    cwd: dir,
  });
  const record = JSON.parse(stdout) as RunRecord;
  return record.client.latency_ms.p50 ?? Number.NaN;
};

// Paired check, immune to the machine's noise: the scenario times each of its own requests (perf_counter around
// session.get to the headers, as the plain client) and writes "path latency"; every request has a unique path,
// so each line of the extension's capture is matched with the scenario's own timing of the same request.
const TIMED_SCENARIO = `import itertools, os
from time import perf_counter
import molotov
URL = os.environ["DOGDRIVER_ENDPOINT"]
counter = itertools.count()
out = {}
def write(line):
    pid = os.getpid()
    if pid not in out:
        out[pid] = os.open(os.path.join(os.environ["DOGDRIVER_CAPTURE_DIR"], "own-%d.txt" % pid), os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    os.write(out[pid], line.encode())

@molotov.scenario(weight=100)
async def timed(session):
    path = "/r/%d-%d" % (os.getpid(), next(counter))
    t0 = perf_counter()
    async with session.get(URL + path) as resp:
        write("%s %.3f\\n" % (path, (perf_counter() - t0) * 1000))
        assert resp.status == 200
`;

const paired = async (url: string, workers: number, processes: number) => {
  const dir = await mkdtemp(join(tmpdir(), "dogdriver-bench-paired-"));
  await writeFile(join(dir, "loadtest.py"), TIMED_SCENARIO);
  const args = [
    "-w",
    String(workers),
    "-p",
    String(processes),
    "-d",
    String(SECONDS),
    "--use-extension",
    join(ROOT, "extension/dogdriver_ext.py"),
    "--",
    "loadtest.py",
  ];
  await execa("taskset", ["-c", "1", PYTHON, ...bootstrapArgs(args)], {
    cwd: dir,
    env: {
      DOGDRIVER_CAPTURE_DIR: dir,
      DOGDRIVER_RESULT_FILE: join(dir, "result.json"),
      DOGDRIVER_ENDPOINT: url,
    },
  });
  const own = new Map<string, number>();
  for (const name of await readdir(dir)) {
    if (!name.startsWith("own-")) continue;
    for (const line of (await readFile(join(dir, name), "utf8")).split("\n")) {
      const [path, ms] = line.split(" ");
      if (path && ms) own.set(path, Number(ms));
    }
  }
  const ext = new ClientStats();
  const scenario = new ClientStats();
  const diffs: number[] = [];
  const reader = captureReader(dir, (sample) => {
    const mine = own.get(sample.path);
    if (mine === undefined) return;
    ext.add(sample);
    scenario.add({ ...sample, latencyMs: mine });
    diffs.push(sample.latencyMs - mine);
  });
  await reader.drain();
  await rm(dir, { recursive: true, force: true });
  diffs.sort((a, b) => a - b);
  return {
    matched: diffs.length,
    ext: ext.quantile(0.5) ?? Number.NaN,
    own: scenario.quantile(0.5) ?? Number.NaN,
    diffP50: diffs[Math.floor(diffs.length / 2)] ?? Number.NaN,
    diffP99: diffs[Math.floor(diffs.length * 0.99)] ?? Number.NaN,
  };
};

const bare = await startService(0, 0);
const delayed = await startService(DELAY_MS, 0);
const rows: string[] = [];
const pairedRows: string[] = [];
let bareP50 = Number.NaN;
let ddBareP50 = Number.NaN;
let pacedP50 = Number.NaN;
try {
  const bareRuns: number[] = [];
  const pacedRuns: number[] = [];
  const ddBareRuns: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    bareRuns.push(await plainP50(bare.url, 1));
    // One request every DELAY_MS: both processes sleep in between, as they do around a 20 ms answer.
    pacedRuns.push(await plainP50(bare.url, 1, DELAY_MS));
    ddBareRuns.push(await dogdriverP50(bare.url, 1));
  }
  bareP50 = median(bareRuns);
  pacedP50 = median(pacedRuns);
  ddBareP50 = median(ddBareRuns);
  process.stderr.write(
    `bare round trip p50: plain aiohttp ${fmt(bareP50, 3)} ms back to back, ${fmt(pacedP50, 3)} ms paced; dogdriver ${fmt(ddBareP50, 3)} ms\n`,
  );
  for (const workers of LEVELS) {
    const plain: number[] = [];
    const ours: { p50: number; holdMs: number }[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      plain.push(await plainP50(delayed.url, workers));
      ours.push(await withHold(delayed.url, () => dogdriverP50(delayed.url, workers)));
    }
    const recorded = median(ours.map((o) => o.p50));
    const nominal = DELAY_MS + bareP50;
    const diff = recorded - nominal;
    const within = (d: number, ref: number) => (Math.abs(d) <= Math.max(1, 0.05 * ref) ? "yes" : "**no**");
    // Per round: the recorded p50 against what the service really held in that run, plus the bare round trip.
    const heldDiff = median(ours.map((o) => o.p50 - (o.holdMs + bareP50)));
    const pacedDiff = median(ours.map((o) => o.p50 - (o.holdMs + pacedP50)));
    rows.push(
      `| ${workers} | ${ours.map((o) => fmt(o.p50, 2)).join(", ")} | ${fmt(recorded, 3)} | ${fmt(diff, 3)} ${within(diff, nominal)} | ${ours.map((o) => fmt(o.holdMs, 2)).join(", ")} | ${fmt(heldDiff, 3)} ${within(heldDiff, DELAY_MS)} | ${fmt(pacedDiff, 3)} ${within(pacedDiff, DELAY_MS)} | ${fmt(median(plain), 3)} |`,
    );
    process.stderr.write(`${rows.at(-1)}\n`);
  }
  for (const [workers, processes] of [
    [4, 1],
    [16, 1],
    [8, 2],
  ] as const) {
    const p = await paired(delayed.url, workers, processes);
    pairedRows.push(
      `| ${workers} | ${processes} | ${p.matched} | ${fmt(p.own, 3)} | ${fmt(p.ext, 3)} | ${fmt(p.diffP50, 3)} | ${fmt(p.diffP99, 3)} |`,
    );
    process.stderr.write(`${pairedRows.at(-1)}\n`);
  }
} finally {
  await Promise.all([stopService(bare), stopService(delayed)]);
}
process.stdout.write(
  [
    `Accuracy: sample service with a ${DELAY_MS} ms delay, molotov -d ${SECONDS}, ${ROUNDS} alternating rounds, p50 in ms.`,
    "",
    `Bare round trip: ${fmt(bareP50, 3)} ms (plain aiohttp, 1 worker, no delay; median of ${ROUNDS}); nominal reference ${DELAY_MS} ms + bare = ${fmt(DELAY_MS + bareP50, 3)} ms.`,
    "",
    `Bare round trip, paced (one request every ${DELAY_MS} ms, so both processes sleep in between as around a ${DELAY_MS} ms answer): ${fmt(pacedP50, 3)} ms.`,
    "",
    "| workers | dogdriver p50 per round | median | − (20 + bare), within 1 ms/5%? | service's real hold p50 per round | − (hold + bare), median of rounds, within? | − (hold + paced bare), within? | plain aiohttp p50 at 20 ms (median) |",
    "|---|---|---|---|---|---|---|---|",
    ...rows,
    "",
    `For comparison, dogdriver's own p50 against the service with no delay (1 worker): ${fmt(ddBareP50, 3)} ms.`,
    "",
    "Paired: the scenario's own timing of each request vs the extension's line for the same request (ms).",
    "",
    "| workers | processes | requests matched | scenario p50 | extension p50 | per-request difference p50 | p99 |",
    "|---|---|---|---|---|---|---|",
    ...pairedRows,
    "",
  ].join("\n"),
);
