import { mkdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { buildReport } from "../src/report/build-report.js";
import { readRuns } from "../src/report/read-runs.js";
import { reportCommand } from "../src/report/report-command.js";
import type { Deps } from "../src/state/deps.js";
import { openStore } from "../src/store/open-store.js";
import type { RunRecord } from "../src/store/run-record.js";
import { runRecord, seededRandom } from "./verdicts-history.js";

// `dogdriver report` over a big file store: writes N synthetic runs (default 100,000: 25 services × 20 releases
// × 200 runs from 2 sources) through the RunStore, then times the phases of `report` and the whole command.
// Run: npx tsc -p bench/tsconfig.json && node .tmp/bench/bench/report-scale.js [N] [--keep DIR]
// With --keep DIR the store stays in DIR, and a later run with the same DIR reuses it instead of writing again.

const total = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 100_000);
const keepAt = process.argv.indexOf("--keep");
const dir =
  keepAt > 0 ? (process.argv[keepAt + 1] as string) : join(tmpdir(), `dogdriver-scale-${Date.now()}`);
const SERVICES = 25;
const RELEASES = 20;
const perRelease = Math.max(1, Math.round(total / SERVICES / RELEASES));
const WRITE_CONCURRENCY = 32;

const sink = { write: () => {}, isTTY: false };
const deps: Deps = {
  env: {},
  cwd: dir,
  stdout: sink,
  stderr: sink,
  clock: { now: () => Date.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) },
  log: {
    info: () => {},
    warn: (m) => process.stderr.write(`warning: ${m}\n`),
    debug: () => {},
    once: () => {},
  },
  signal: new AbortController().signal,
  hostname: "bench",
  stdin: (async function* () {})(),
};

const records = function* (): Generator<RunRecord> {
  const rand = seededRandom(42);
  let n = 0;
  for (let s = 0; s < SERVICES; s++)
    for (let r = 0; r < RELEASES; r++)
      for (let i = 0; i < perRelease; i++) {
        const source = i % 3 === 0 ? "us-east-1" : "eu-west-1";
        const base = (source === "us-east-1" ? 120 : 80) * (r === RELEASES - 1 && s % 5 === 0 ? 1.15 : 1);
        const startedMs = Date.parse("2025-01-01T00:00:00.000Z") + (r * perRelease + i) * 30 * 60_000;
        const record = runRecord(
          `svc-${s}`,
          `v${r}-${(r * 7919).toString(16)}`,
          source,
          startedMs,
          base * Math.exp(0.04 * (rand() - 0.5) * 3.4),
          "aggregated",
          [],
          n++,
        );
        yield { ...record, id: `s${s}r${r}i${i}` };
      }
};

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

const main = async () => {
  await mkdir(dir, { recursive: true });
  const store = openStore(`file://${join(dir, "store")}`, deps);
  let t = performance.now();
  let written = 0;
  const reuse = keepAt > 0 && (await stat(join(dir, "store", "runs")).catch(() => undefined)) !== undefined;
  if (reuse) for await (const _ of store.listRunKeys()) written++;
  else {
    const queue: Promise<unknown>[] = [];
    for (const record of records()) {
      queue.push(store.putRun(record));
      written++;
      if (queue.length >= WRITE_CONCURRENCY) await Promise.all(queue.splice(0));
    }
    await Promise.all(queue);
  }
  const writeMs = performance.now() - t;

  t = performance.now();
  const { runs } = await readRuns(store, [], deps.log);
  const readMs = performance.now() - t;
  t = performance.now();
  const report = buildReport(runs, 0);
  const compareMs = performance.now() - t;
  t = performance.now();
  await reportCommand({ store: `file://${join(dir, "store")}`, json: true }, deps);
  const commandMs = performance.now() - t;
  t = performance.now();
  await reportCommand({ store: `file://${join(dir, "store")}`, html: join(dir, "report.html") }, deps);
  const htmlMs = performance.now() - t;

  process.stdout.write(
    [
      `| runs | services × releases × runs | write (putRun, ${WRITE_CONCURRENCY} in flight) | read all (listRuns) | compare | report --json (whole command) | report --html |`,
      "|---|---|---|---|---|---|---|",
      `| ${written.toLocaleString("en")} | ${SERVICES} × ${RELEASES} × ${perRelease} | ${reuse ? "(reused)" : seconds(writeMs)} | ${seconds(readMs)} | ${seconds(compareMs)} (${report.comparisons.length} comparisons) | ${seconds(commandMs)} | ${seconds(htmlMs)} |`,
      "",
    ].join("\n"),
  );
  if (keepAt < 0) await rm(dir, { recursive: true, force: true });
};

await main();
