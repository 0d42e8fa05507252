import type { RunRecord } from "../src/store/run-record.js";
import {
  type BenchHistory,
  cellHistories,
  DEFAULT_SPEC,
  headlineComparison,
  isSyntheticOutlier,
  seededRandom,
  signedEffect,
  syntheticHistory,
} from "./verdicts-history.js";

// Why a benchmark cell's verdicts come out as they do (a tool for working on the method, not a benchmark):
// tallies verdicts by the shape of their reason, the mean σ̂ and interval width against the plain two-sample
// one, and candidate runs set aside against injected outliers. BASELINE 12 or 48 (with 4 older releases of as
// many runs) or 5 (no older release), as in the benchmark's three tables.
// Run: npx tsc -p bench/tsconfig.json && node .tmp/bench/bench/verdicts-diagnose.js NOISE RUNS EFFECT [BASELINE] [TRIALS]
// Env: OUTRATE=0 (no injected outliers); DUMP=p (print decided verdicts with p below it, and the candidate's runs);
// REPLAY=1|2|3 (also replay the benchmark's own histories of that table's cell and print its wrong signs).

const printRuns = (list: readonly RunRecord[]) => {
  for (const r of list)
    console.log(
      r.version,
      r.source,
      (r.client.latency_ms.p95 as number).toFixed(1),
      r.state,
      r.flags ?? "",
      isSyntheticOutlier(r) ? "OUT" : "",
    );
};

const [noise, runs, effect, baseline, trials] = process.argv.slice(2).map(Number);
const rand = seededRandom(7);
const tally = new Map<string, number>();
let marked = 0;
let truth = 0;
let over = 0;
const stats: number[][] = [];
const n = trials || 400;
for (let i = 0; i < n; i++) {
  const sign = i % 2 === 0 ? 1 : -1;
  const e = (effect as number) === 0 ? 0 : signedEffect(effect as number, sign);
  const history = syntheticHistory(
    {
      ...DEFAULT_SPEC,
      ...(baseline ? { baselineRuns: baseline, runsPerOlderRelease: baseline === 5 ? 12 : baseline } : {}),
      ...(baseline === 5 ? { olderReleases: 0 } : {}),
      ...(process.env.OUTRATE ? { outlierRate: Number(process.env.OUTRATE) } : {}),
      noise: noise as number,
      effect: e,
      candidateRuns: runs as number,
    },
    rand,
  );
  const c = headlineComparison(history);
  const right =
    (effect as number) === 0 ? "" : c.verdict === (sign === 1 ? "regression" : "improvement") ? " OK" : "";
  const key = `${c.verdict}${right}: ${c.reason.replace(/[-+]?\d+(\.\d+)?/g, "#").slice(0, 70)}`;
  tally.set(key, (tally.get(key) ?? 0) + 1);
  const cand = c.candidate.version;
  const trueOut = history.filter(
    (r) => r.version === cand && r.state !== "failed" && !r.flags && isSyntheticOutlier(r),
  ).length;
  marked += c.candidate.outliers;
  if (c.change_ci_pct !== null && c.noise !== null) {
    const [lo, hi] = c.change_ci_pct;
    const sigma = Math.log(1 + c.noise / 100);
    const se = (Math.log(1 + hi / 100) - Math.log(1 + lo / 100)) / 2 / 1.96 / sigma;
    stats.push([
      sigma,
      se * Math.sqrt(1 / (1 / c.baseline.runs + 1 / c.candidate.runs)),
      c.baseline.runs,
      c.candidate.runs,
    ]);
  }
  truth += trueOut;
  if (c.candidate.outliers > trueOut) over++;
  if (
    process.env.DUMP &&
    (c.verdict === "regression" || c.verdict === "improvement") &&
    c.p_value !== null &&
    c.p_value < Number(process.env.DUMP)
  ) {
    console.log(c.verdict, c.change_pct, c.p_value, c.reason, c.baseline.outliers, c.candidate.outliers);
    printRuns(history.filter((r) => r.version === cand));
  }
}
const mean = (k: number) => (stats.reduce((a, r) => a + (r[k] as number), 0) / stats.length).toFixed(4);
console.log(`mean sigma ${mean(0)}, se/(sigma·√(1/nb+1/nc)) ${mean(1)}, nb ${mean(2)}, nc ${mean(3)}`);
console.log(
  `candidate outliers marked ${marked}, injected ${truth}, trials marking more than injected ${over}`,
);
for (const [k, v] of [...tally].sort((a, b) => b[1] - a[1])) console.log(String(v).padStart(5), k);

// REPLAY=1|2|3: the benchmark's own histories for one cell of that table, printing its wrong signs.
if (process.env.REPLAY) {
  const table: BenchHistory = (["full", "short", "daily"] as const)[Number(process.env.REPLAY) - 1] ?? "full";
  for (const h of cellHistories(table, noise as number, runs as number)) {
    if (h.sign === 0) continue;
    const c = headlineComparison(h.runs);
    if (c.verdict !== (h.sign === 1 ? "improvement" : "regression")) continue;
    const { baseline: b, candidate: a } = c;
    console.log(
      "WRONG",
      h.effect,
      h.sign,
      c.verdict,
      c.change_pct,
      c.p_value,
      c.reason,
      b.runs,
      b.outliers,
      a.runs,
      a.outliers,
    );
    printRuns(h.runs.filter((x) => x.version === a.version || x.version === b.version));
  }
}
