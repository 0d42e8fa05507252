import {
  BENCH_NOISES,
  BENCH_RUNS,
  BENCH_TRIALS,
  type BenchHistory,
  type CellHistory,
  cellHistories,
  headlineComparison,
  pct,
} from "./verdicts-history.js";

// False alarms and power as a function of α, on the verdict benchmark's own histories (same seeds and order as
// bench/verdicts.ts), for choosing VERDICT_DEFAULTS.alpha. Each history is judged once with α = 1: a decided
// verdict at α is then one whose p-value is below α (the other conditions of a verdict do not depend on α).
// Run: npx tsc -p bench/tsconfig.json && node .tmp/bench/bench/verdicts-alpha.js [TABLES] [RUNS] [NULLS EFFECTS]
//   TABLES: any of 1 (12-run baseline), 2 (short history), 3 (48-run baseline), e.g. "13"; RUNS e.g. "3,5,10";
//   NULLS and EFFECTS: histories per cell without and per effect size with an effect (default: the benchmark's
//   counts, which replays its exact histories; other counts give fresh ones).

const ALPHAS = [0.002, 0.004, 0.006, 0.007, 0.0075, 0.008, 0.009, 0.01];
const tables = process.argv[2] ?? "123";
const runsList = (process.argv[3] ?? "3,5,10").split(",").map(Number);
const counts = {
  nulls: Number(process.argv[4] ?? BENCH_TRIALS.nulls),
  perEffect: Number(process.argv[5] ?? BENCH_TRIALS.perEffect),
};

interface Judged {
  sign: CellHistory["sign"];
  effect: number;
  p: number;
  decided: -1 | 0 | 1;
}

const judge = (h: CellHistory): Judged => {
  const c = headlineComparison(h.runs, { alpha: 1 });
  const decided = c.verdict === "regression" ? 1 : c.verdict === "improvement" ? -1 : 0;
  return { sign: h.sign, effect: h.effect, p: c.p_value ?? 1, decided };
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

console.log(`| table | noise | runs | ${ALPHAS.map((a) => `α=${a} FA / 10% / wrong`).join(" | ")} |`);
console.log(`|${"---|".repeat(3 + ALPHAS.length)}`);
for (const t of tables) {
  const [name, label] = TABLES[t] as [BenchHistory, string];
  for (const noise of BENCH_NOISES)
    for (const runs of BENCH_RUNS.filter((r) => runsList.includes(r))) {
      // Each cell has its own seed: the cells not asked for need not be drawn.
      const judged = [...cellHistories(name, noise, runs, { counts, rates })].map(judge);
      const nulls = judged.filter((j) => j.sign === 0);
      const ten = judged.filter((j) => j.effect === 0.1);
      const cells = ALPHAS.map((a) => {
        const fa = nulls.filter((j) => j.decided !== 0 && j.p < a).length;
        const hit = ten.filter((j) => j.decided === j.sign && j.p < a).length;
        const wrong = judged.filter((j) => j.sign !== 0 && j.decided === -j.sign && j.p < a).length;
        return `${pct(fa, nulls.length, 2)} / ${pct(hit, ten.length, 2)} / ${wrong}`;
      });
      console.log(`| ${label} | ${noise * 100}% | ${runs} | ${cells.join(" | ")} |`);
    }
}
