import { ALL_SOURCES, compareReleases } from "../src/verdicts/compare-releases.js";
import type { Comparison } from "../src/verdicts/types.js";
import {
  BENCH_EFFECTS,
  BENCH_HISTORIES,
  BENCH_TRIALS,
  type BenchHistory,
  cellSeed,
  seededRandom,
  syntheticHistory,
} from "./verdicts-history.js";

// False alarms and power as a function of α, on the verdict benchmark's own histories (same seeds and order as
// bench/verdicts.ts), for choosing VERDICT_DEFAULTS.alpha. Each history is judged once with α = 1: a decided
// verdict at α is then one whose p-value is below α (the other conditions of a verdict do not depend on α).
// Run: npx tsc -p bench/tsconfig.json && node .tmp/bench/bench/verdicts-alpha.js [TABLES] [RUNS] [NULLS EFFECTS]
//   TABLES: any of 1 (12-run baseline), 2 (short history), 3 (48-run baseline), e.g. "13"; RUNS e.g. "3,5,10";
//   NULLS and EFFECTS: histories per cell without and per effect size with an effect (default: the benchmark's
//   counts, which replays its exact histories; other counts give fresh ones).

const METRIC = "client.latency_ms.p95";
const ALPHAS = [0.002, 0.004, 0.006, 0.007, 0.0075, 0.008, 0.009, 0.01];
const tables = process.argv[2] ?? "123";
const runsList = (process.argv[3] ?? "3,5,10").split(",").map(Number);
const NULL_TRIALS = Number(process.argv[4] ?? BENCH_TRIALS.nulls);
const EFFECT_TRIALS = Number(process.argv[5] ?? BENCH_TRIALS.perEffect);
const EFFECTS = BENCH_EFFECTS;
const RUNS = [2, 3, 5, 10, 20];

interface Judged {
  sign: -1 | 0 | 1;
  p: number;
  decided: -1 | 0 | 1;
}

const judge = (runs: ReturnType<typeof syntheticHistory>, sign: -1 | 0 | 1): Judged => {
  const cs = compareReleases(runs, { metrics: [METRIC], alpha: 1 });
  const c = cs.find((x) => x.source === ALL_SOURCES) ?? (cs[0] as Comparison);
  const decided = c.verdict === "regression" ? 1 : c.verdict === "improvement" ? -1 : 0;
  return { sign, p: c.p_value ?? 1, decided };
};

// Env OUTRATE / FLAGRATE / FAILRATE override the generator's rates (to find where a cell's false alarms come from).
const rates = {
  ...(process.env.OUTRATE ? { outlierRate: Number(process.env.OUTRATE) } : {}),
  ...(process.env.FLAGRATE ? { flaggedRate: Number(process.env.FLAGRATE) } : {}),
  ...(process.env.FAILRATE ? { failedRate: Number(process.env.FAILRATE) } : {}),
};
const TABLES: Record<string, [BenchHistory, string]> = {
  "1": ["full", "4 older releases + 12-run baseline"],
  "2": ["short", "short history, 5-run baseline"],
  "3": ["daily", "4 older releases + 48-run baseline"],
};

const pct = (k: number, n: number) => ((100 * k) / n).toFixed(2);
console.log(`| table | noise | runs | ${ALPHAS.map((a) => `α=${a} FA / 10% / wrong`).join(" | ")} |`);
console.log(`|${"---|".repeat(3 + ALPHAS.length)}`);
for (const t of tables) {
  const [name, label] = TABLES[t] as [BenchHistory, string];
  const { spec, seed } = BENCH_HISTORIES[name];
  for (const noise of [0.03, 0.05, 0.1])
    for (const runs of RUNS) {
      const rand = seededRandom(cellSeed(seed, noise, runs));
      const make = (effect: number) =>
        syntheticHistory({ ...spec, ...rates, noise, effect, candidateRuns: runs }, rand);
      // Generate every history (keeps the benchmark's random sequence) but judge only the asked cells.
      const wanted = runsList.includes(runs);
      const nulls: Judged[] = [];
      for (let i = 0; i < NULL_TRIALS; i++) {
        const h = make(0);
        if (wanted) nulls.push(judge(h, 0));
      }
      const byEffect = new Map<number, Judged[]>();
      for (const effect of EFFECTS) {
        const list: Judged[] = [];
        for (let i = 0; i < EFFECT_TRIALS; i++) {
          const sign = i % 2 === 0 ? 1 : -1;
          const h = make(sign === 1 ? effect : 1 / (1 + effect) - 1);
          if (wanted) list.push(judge(h, sign));
        }
        byEffect.set(effect, list);
      }
      if (!wanted) continue;
      const cells = ALPHAS.map((a) => {
        const fa = nulls.filter((j) => j.decided !== 0 && j.p < a).length;
        const ten = byEffect.get(0.1) as Judged[];
        const hit = ten.filter((j) => j.decided === j.sign && j.p < a).length;
        const wrong = [...byEffect.values()].flat().filter((j) => j.decided === -j.sign && j.p < a).length;
        return `${pct(fa, nulls.length)} / ${pct(hit, ten.length)} / ${wrong}`;
      });
      console.log(`| ${label} | ${noise * 100}% | ${runs} | ${cells.join(" | ")} |`);
    }
}
