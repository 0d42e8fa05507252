import { ALL_SOURCES, compareReleases } from "../src/verdicts/compare-releases.js";
import type { Comparison } from "../src/verdicts/types.js";
import {
  BENCH_EFFECTS,
  BENCH_HISTORIES,
  BENCH_TRIALS,
  cellSeed,
  DEFAULT_SPEC,
  seededRandom,
  syntheticHistory,
} from "./verdicts-history.js";

// Why a benchmark cell's verdicts come out as they do (a tool for working on the method, not a benchmark):
// tallies verdicts by the shape of their reason, the mean σ̂ and interval width against the plain two-sample
// one, and candidate runs set aside against injected outliers. BASELINE 12 or 48 (with 4 older releases of as
// many runs) or 5 (no older release), as in the benchmark's three tables.
// Run: npx tsc -p bench/tsconfig.json && node .tmp/bench/bench/verdicts-diagnose.js NOISE RUNS EFFECT [BASELINE] [TRIALS]
// Env: OUTRATE=0 (no injected outliers); DUMP=p (print decided verdicts with p below it, and the candidate's runs);
// REPLAY=1|2|3 (also replay the benchmark's own histories of that table's cell and print its wrong signs).

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
  const e = (effect as number) === 0 ? 0 : sign === 1 ? (effect as number) : 1 / (1 + (effect as number)) - 1;
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
  const cs = compareReleases(history, { metrics: ["client.latency_ms.p95"] });
  const c = cs.find((x) => x.source === ALL_SOURCES) ?? (cs[0] as Comparison);
  const right =
    (effect as number) === 0 ? "" : c.verdict === (sign === 1 ? "regression" : "improvement") ? " OK" : "";
  const key = `${c.verdict}${right}: ${c.reason.replace(/[-+]?\d+(\.\d+)?/g, "#").slice(0, 70)}`;
  tally.set(key, (tally.get(key) ?? 0) + 1);
  const cand = c.candidate.version;
  const trueOut = history.filter(
    (r) =>
      r.version === cand &&
      r.state !== "failed" &&
      !r.flags &&
      (r as { synthetic_outlier?: boolean }).synthetic_outlier,
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
    for (const r of history.filter((r) => r.version === cand))
      console.log(
        r.version,
        r.source,
        (r.client.latency_ms.p95 as number).toFixed(1),
        r.state,
        r.flags ?? "",
        (r as { synthetic_outlier?: boolean }).synthetic_outlier ? "OUT" : "",
      );
  }
}
const mean = (k: number) => (stats.reduce((a, r) => a + (r[k] as number), 0) / stats.length).toFixed(4);
console.log(`mean sigma ${mean(0)}, se/(sigma·√(1/nb+1/nc)) ${mean(1)}, nb ${mean(2)}, nc ${mean(3)}`);
console.log(
  `candidate outliers marked ${marked}, injected ${truth}, trials marking more than injected ${over}`,
);
for (const [k, v] of [...tally].sort((a, b) => b[1] - a[1])) console.log(String(v).padStart(5), k);

// REPLAY=seed: the benchmark's own histories for one cell (bench/verdicts.ts's order), printing wrong signs.
if (process.env.REPLAY) {
  const name = (["full", "short", "daily"] as const)[Number(process.env.REPLAY) - 1] ?? "full";
  const { spec, seed } = BENCH_HISTORIES[name];
  const r = seededRandom(cellSeed(seed, noise as number, runs as number));
  const make = (e: number) =>
    syntheticHistory({ ...spec, noise: noise as number, effect: e, candidateRuns: runs as number }, r);
  for (let i = 0; i < BENCH_TRIALS.nulls; i++) make(0);
  for (const eff of BENCH_EFFECTS)
    for (let i = 0; i < BENCH_TRIALS.perEffect; i++) {
      const sign = i % 2 === 0 ? 1 : -1;
      const h = make(sign === 1 ? eff : 1 / (1 + eff) - 1);
      const cs = compareReleases(h, { metrics: ["client.latency_ms.p95"] });
      const c = cs.find((x) => x.source === ALL_SOURCES) ?? (cs[0] as Comparison);
      const wrong = c.verdict === (sign === 1 ? "improvement" : "regression");
      if (!wrong) continue;
      console.log(
        "WRONG",
        eff,
        sign,
        c.verdict,
        c.change_pct,
        c.p_value,
        c.reason,
        c.baseline.runs,
        c.baseline.outliers,
        c.candidate.runs,
        c.candidate.outliers,
      );
      for (const x of h.filter((x) => x.version === c.candidate.version || x.version === c.baseline.version))
        console.log(
          x.version,
          x.source,
          (x.client.latency_ms.p95 as number).toFixed(1),
          x.state,
          x.flags ?? "",
          (x as { synthetic_outlier?: boolean }).synthetic_outlier ? "OUT" : "",
        );
    }
}
