import { performance } from "node:perf_hooks";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import type { RunRecord } from "../src/store/run-record.js";
import { normalCdf, normalUpperQuantile } from "../src/verdicts/distributions.js";
import { isUsable } from "../src/verdicts/release-history.js";
import type { Comparison } from "../src/verdicts/types.js";
import {
  BENCH_EFFECTS,
  BENCH_HISTORIES,
  BENCH_NOISES,
  BENCH_RUNS,
  BENCH_TRIALS,
  type BenchHistory,
  cellHistories,
  DEFAULT_SPEC,
  headlineComparison,
  isSyntheticOutlier,
  pct,
} from "./verdicts-history.js";
import { mannWhitney, medianThreshold, type NaiveResult, welch } from "./verdicts-naive.js";

// The verdict benchmark: synthetic histories with known effects (bench/verdicts-history.ts), judged by
// compareReleases and by the naive methods on the same data. Prints Markdown tables for
// docs/benchmarks.md ("Release verdicts"). Run: npx tsc -p bench/tsconfig.json && node .tmp/bench/bench/verdicts.js [--quick] [--seed N]
// --seed N draws fresh histories (N = 0, the default, gives the tables in docs/benchmarks.md; another N is a
// held-out check of settings chosen on those).
// The three histories (12-run baseline, 48-run baseline, short history) run in parallel worker threads.

const quick = process.argv.includes("--quick");
const seedFlag = process.argv.indexOf("--seed");
const SEED_OFFSET = seedFlag >= 0 ? Number(process.argv[seedFlag + 1]) : 0;
const NULL_TRIALS = quick ? 300 : BENCH_TRIALS.nulls;
const EFFECT_TRIALS = quick ? 100 : BENCH_TRIALS.perEffect;
const EFFECTS = BENCH_EFFECTS;
const NAIVE = { "median ±5%": medianThreshold, "Welch t": welch, "Mann-Whitney": mannWhitney } as const;
type NaiveName = keyof typeof NAIVE;
const NAIVE_NAMES = Object.keys(NAIVE) as NaiveName[];

interface Trial {
  ours: Comparison;
  /** Half or more of the baseline's or the candidate's usable runs are injected outliers: no method can tell. */
  outlierMajority: boolean;
  naive: Record<NaiveName, NaiveResult>;
}

const judge = (runs: RunRecord[]): Trial => {
  const ours = headlineComparison(runs);
  // The naive methods get the same exclusions (flagged, failed) but pool the sources.
  const versions = [...new Set(runs.map((r) => r.version))];
  const values = (v: string | undefined) =>
    runs.filter((r) => r.version === v && isUsable(r)).map((r) => r.client.latency_ms.p95 as number);
  const b = values(versions[versions.length - 2]);
  const c = values(versions[versions.length - 1]);
  const naive = Object.fromEntries(
    NAIVE_NAMES.map((name) => [
      name,
      b.length >= 2 && c.length >= 2 ? NAIVE[name](b, c) : { statistic: 0, decision: 0 },
    ]),
  ) as Record<NaiveName, NaiveResult>;
  // The generator's truth (bench/verdicts-history.ts marks injected outliers): is either release mostly outliers?
  const mostlyOutliers = (version: string | undefined) => {
    const usable = runs.filter((r) => r.version === version && isUsable(r));
    const outliers = usable.filter(isSyntheticOutlier).length;
    return outliers > 0 && outliers * 2 >= usable.length;
  };
  return {
    ours,
    naive,
    outlierMajority:
      mostlyOutliers(versions[versions.length - 1]) || mostlyOutliers(versions[versions.length - 2]),
  };
};

const decided = (c: Comparison): -1 | 0 | 1 =>
  c.verdict === "regression" ? 1 : c.verdict === "improvement" ? -1 : 0;

interface Cell {
  noise: number;
  runs: number;
  nullTrials: Trial[];
  effectTrials: Map<number, { sign: 1 | -1; trial: Trial }[]>;
}

const run = (table: BenchHistory): Cell[] => {
  const cells: Cell[] = [];
  const counts = { nulls: NULL_TRIALS, perEffect: EFFECT_TRIALS };
  for (const noise of BENCH_NOISES)
    for (const runs of BENCH_RUNS) {
      const cell: Cell = { noise, runs, nullTrials: [], effectTrials: new Map() };
      for (const h of cellHistories(table, noise, runs, { counts, offset: SEED_OFFSET })) {
        const trial = judge(h.runs);
        if (h.sign === 0) cell.nullTrials.push(trial);
        else {
          const list = cell.effectTrials.get(h.effect) ?? [];
          list.push({ sign: h.sign, trial });
          cell.effectTrials.set(h.effect, list);
        }
      }
      cells.push(cell);
    }
  return cells;
};

// Higher p95 = worse, so the right verdict for sign +1 is regression (+1).
// The best any test can do on a 10% change at 1% false alarms: σ known, no outlier, flagged or failed run,
// one source: a two-sided z-test, power Φ(log 1.1 / (σ·√(1/n_b + 1/n_c)) - z_0.995).
const bound = (noise: number, nb: number, nc: number): string =>
  pct(normalCdf(Math.log(1.1) / (noise * Math.sqrt(1 / nb + 1 / nc)) - normalUpperQuantile(0.005)), 1);

// The same bound with only the runs a method can use: the generator makes 5% of runs outliers, 5% flagged and
// 2% failed, so about 88% of each release's runs are usable; even an oracle that knows which ones sees only those.
const USABLE =
  (1 - DEFAULT_SPEC.outlierRate) * (1 - DEFAULT_SPEC.flaggedRate) * (1 - DEFAULT_SPEC.failedRate);
const usableBound = (noise: number, nb: number, nc: number): string => bound(noise, USABLE * nb, USABLE * nc);

const oursTable = (cells: Cell[], baselineRuns: number): string => {
  const head = `| noise | candidate runs | false alarms % | no_change % (no effect) | insufficient % (no effect) | ${EFFECTS.map((e) => `caught ${e * 100}% %`).join(" | ")} | wrong sign at ${EFFECTS.map((e) => `${e * 100}%`).join(" / ")} | median runs_needed | bound for 10% | bound for 10%, usable runs |`;
  const rows = cells.map((cell) => {
    const fa = cell.nullTrials.filter((t) => decided(t.ours) !== 0).length;
    const nc = cell.nullTrials.filter((t) => t.ours.verdict === "no_change").length;
    const ins = cell.nullTrials.filter((t) => t.ours.verdict === "insufficient_data").length;
    const wrong = EFFECTS.map(() => 0);
    let wrongByOutliers = 0;
    const caught = EFFECTS.map((e, k) => {
      const list = cell.effectTrials.get(e) ?? [];
      for (const { sign, trial } of list)
        if (decided(trial.ours) === -sign) {
          wrong[k] = (wrong[k] as number) + 1;
          if (trial.outlierMajority) wrongByOutliers++;
        }
      return pct(list.filter(({ sign, trial }) => decided(trial.ours) === sign).length, list.length);
    });
    const needed = cell.nullTrials
      .map((t) => t.ours.runs_needed)
      .filter((n): n is number => n !== null)
      .sort((a, b) => a - b);
    const medNeeded = needed.length > cell.nullTrials.length / 2 ? String(needed[needed.length >> 1]) : "-";
    return `| ${cell.noise * 100}% | ${cell.runs} | ${pct(fa, cell.nullTrials.length, 2)} | ${pct(nc, cell.nullTrials.length)} | ${pct(ins, cell.nullTrials.length)} | ${caught.join(" | ")} | ${wrong.join(" / ")}${wrongByOutliers > 0 ? ` (${wrongByOutliers} with ≥ half of a release's runs outliers)` : ""} | ${medNeeded} | ${bound(cell.noise, baselineRuns, cell.runs)} | ${usableBound(cell.noise, baselineRuns, cell.runs)} |`;
  });
  const nulls = cells.flatMap((cell) => cell.nullTrials);
  const alarms = nulls.filter((t) => decided(t.ours) !== 0).length;
  const pooled = `False alarms over every cell: ${alarms} of ${nulls.length} no-effect histories (${pct(alarms, nulls.length, 2)}%).`;
  return [head, `|${"---|".repeat(head.split("|").length - 2)}`, ...rows, "", pooled].join("\n");
};

// Each naive method's own rule, then the same method with its threshold set so that it raises exactly 1% false
// alarms on this cell's no-effect histories (an oracle calibration no team has: it favours the naive methods).
const sideBySide = (cells: Cell[], effect: number): string => {
  const head = `| noise | runs | dogdriver FA % / caught % | ${NAIVE_NAMES.map((n) => `${n} FA % / caught %`).join(" | ")} | ${NAIVE_NAMES.map((n) => `${n} caught % at 1% FA`).join(" | ")} |`;
  const rows = cells.map((cell) => {
    const list = cell.effectTrials.get(effect) ?? [];
    const oursFa = pct(
      cell.nullTrials.filter((t) => decided(t.ours) !== 0).length,
      cell.nullTrials.length,
      2,
    );
    const oursHit = pct(list.filter(({ sign, trial }) => decided(trial.ours) === sign).length, list.length);
    const own = NAIVE_NAMES.map((n) => {
      const fa = cell.nullTrials.filter((t) => t.naive[n].decision !== 0).length;
      const hit = list.filter(({ sign, trial }) => trial.naive[n].decision === sign).length;
      return `${pct(fa, cell.nullTrials.length)} / ${pct(hit, list.length)}`;
    });
    const matched = NAIVE_NAMES.map((n) => {
      const nulls = cell.nullTrials.map((t) => Math.abs(t.naive[n].statistic)).sort((a, b) => a - b);
      const threshold = nulls[Math.ceil(0.99 * nulls.length) - 1] as number;
      const hit = list.filter(
        ({ sign, trial }) =>
          Math.abs(trial.naive[n].statistic) > threshold && Math.sign(trial.naive[n].statistic) === sign,
      ).length;
      return pct(hit, list.length);
    });
    return `| ${cell.noise * 100}% | ${cell.runs} | ${oursFa} / ${oursHit} | ${own.join(" | ")} | ${matched.join(" | ")} |`;
  });
  return [head, `|${"---|".repeat(head.split("|").length - 2)}`, ...rows].join("\n");
};

/** The side-by-side table each history gets, by the injected change it shows. */
const SIDE_BY_SIDE: Record<BenchHistory, number | undefined> = { full: 0.1, short: 0.2, daily: undefined };

/** One table's cells, rendered: [our table, the side-by-side table or ""]. */
const renderTable = (name: BenchHistory): [string, string] => {
  const h = BENCH_HISTORIES[name];
  const cells = run(name);
  const effect = SIDE_BY_SIDE[name];
  return [oursTable(cells, h.baselineRuns), effect === undefined ? "" : sideBySide(cells, effect)];
};

const inWorker = (name: BenchHistory): Promise<[string, string]> =>
  new Promise((resolve, reject) => {
    const worker = new Worker(new URL(import.meta.url), { workerData: name, argv: process.argv.slice(2) });
    worker.once("message", resolve);
    worker.once("error", reject);
  });

const main = async () => {
  const started = performance.now();
  const [full, daily, short] = await Promise.all([inWorker("full"), inWorker("daily"), inWorker("short")]);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const out = [
    `Trials per cell: ${NULL_TRIALS} without effect, ${EFFECT_TRIALS} per effect size (half regressions, half improvements); seed offset ${SEED_OFFSET}. ${seconds}s.`,
    "",
    "### dogdriver, history of 4 older releases + baseline of 12 runs",
    "",
    full[0],
    "",
    "### dogdriver, releases that lived a day at a 30-minute cadence: 4 older releases + baseline of 48 runs",
    "",
    daily[0],
    "",
    "### dogdriver, short history: baseline of 5 runs, no older releases",
    "",
    short[0],
    "",
    "### Side by side at a 10% change (4 older releases + baseline of 12 runs)",
    "",
    full[1],
    "",
    "### Side by side at a 20% change, short history",
    "",
    short[1],
  ];
  process.stdout.write(`${out.join("\n")}\n`);
};

if (isMainThread) await main();
else parentPort?.postMessage(renderTable(workerData as BenchHistory));
