import { performance } from "node:perf_hooks";
import type { RunRecord } from "../src/store/run-record.js";
import { compareReleases } from "../src/verdicts/compare-releases.js";
import { normalCdf, normalUpperQuantile } from "../src/verdicts/distributions.js";
import { isUsable } from "../src/verdicts/release-history.js";
import type { Comparison } from "../src/verdicts/types.js";
import { ALL_SOURCES } from "../src/verdicts/verdict-settings.js";
import {
  BENCH_HISTORIES,
  benchArgs,
  type HistorySpec,
  isSyntheticOutlier,
  pct,
  seededRandom,
  signedEffect,
  syntheticHistory,
} from "./verdicts-history.js";

// The verdict benchmark by number of sources: every row is scored, each source's and the all-sources one, on
// histories with 1, 2 or 3 runner locations, their shares shuffled per release or flipping between the baseline
// and the candidate (70/30 → 30/70), with a 12-run baseline and 4 older releases or a short history (a 5-run
// baseline, nothing older). Beside each cell, the oracle: σ known, only the usable runs (no outlier, flagged or
// failed run), the sources' offsets known, a two-sided z-test at 1% false alarms on the candidate's level.
// Prints Markdown tables for docs/benchmarks.md ("Rows by number of sources").
// Run: npx tsc -p bench/tsconfig.json && node .tmp/bench/bench/verdicts-sources.js [NULLS [PER_EFFECT]] [--seed N]

const { nulls: NULLS, perEffect: PER_EFFECT, seed: SEED_OFFSET } = benchArgs(2000, 500);
const EFFECTS = [0.1, 0.2];
const NOISES = [0.03, 0.05, 0.1];
const RUNS = [5, 10];
const LAYOUTS: { sources: number; mix: HistorySpec["mix"]; coldStart?: boolean }[] = [
  { sources: 1, mix: "shuffled" },
  { sources: 2, mix: "shuffled" },
  { sources: 2, mix: "flip" },
  { sources: 3, mix: "shuffled" },
  { sources: 3, mix: "flip" },
  // Issue 24's story: the second location joins halfway through the baseline, its first three runs 3-4x slow.
  // Only where an older location has history (a new service's locations all start cold together).
  { sources: 2, mix: "shuffled", coldStart: true },
];
const TABLES = { full: BENCH_HISTORIES.full, short: BENCH_HISTORIES.short } as const;

const decided = (c: Comparison): -1 | 0 | 1 =>
  c.verdict === "regression" ? 1 : c.verdict === "improvement" ? -1 : 0;

/** The oracle's power against this history's change: σ and the offsets known, the usable runs only. */
const oraclePower = (runs: readonly RunRecord[], noise: number, effect: number): number => {
  const versions = [...new Set(runs.map((r) => r.version))];
  const usable = (v: string | undefined) =>
    runs.filter((r) => r.version === v && isUsable(r) && !isSyntheticOutlier(r)).length;
  const nb = usable(versions[versions.length - 2]);
  const nc = usable(versions[versions.length - 1]);
  if (nb === 0 || nc === 0) return 0;
  return normalCdf(Math.log(1 + effect) / (noise * Math.sqrt(1 / nb + 1 / nc)) - normalUpperQuantile(0.005));
};

interface Tally {
  histories: number;
  /** All-sources row (the only row with one source): decided the right way / wrongly / at all. */
  all: { right: number; wrong: number };
  /** Per-source rows whose source the candidate ran at. */
  rows: number;
  rowsRight: number;
  rowsWrong: number;
  rowsBorrowed: number;
  oracle: number;
}

const emptyTally = (): Tally => ({
  histories: 0,
  all: { right: 0, wrong: 0 },
  rows: 0,
  rowsRight: 0,
  rowsWrong: 0,
  rowsBorrowed: 0,
  oracle: 0,
});

const score = (t: Tally, runs: RunRecord[], sign: -1 | 0 | 1, noise: number, effect: number) => {
  const cs = compareReleases(runs, { metrics: ["client.latency_ms.p95"] });
  const all = cs.find((c) => c.source === ALL_SOURCES) ?? (cs[0] as Comparison);
  t.histories++;
  const judge = (c: Comparison) => {
    const d = decided(c);
    // With no effect, "right" is never counted: any decided verdict is a false alarm (counted as wrong).
    return { right: sign !== 0 && d === sign, wrong: d !== 0 && d !== sign };
  };
  const a = judge(all);
  if (a.right) t.all.right++;
  if (a.wrong) t.all.wrong++;
  for (const c of cs) {
    if (c.source === ALL_SOURCES || c.candidate.runs + c.candidate.outliers === 0) continue;
    t.rows++;
    const r = judge(c);
    if (r.right) t.rowsRight++;
    if (r.wrong) t.rowsWrong++;
    if (c.basis === "all_sources") t.rowsBorrowed++;
  }
  if (sign !== 0) t.oracle += oraclePower(runs, noise, effect);
};

const started = performance.now();
const out: string[] = [
  `No-effect histories per cell: ${NULLS}; per effect size: ${PER_EFFECT} (half regressions, half improvements); seed offset ${SEED_OFFSET}.`,
  "Rows: a source's own row counts when the candidate ran there; with one source the all-sources column is that source's row.",
  "",
];
for (const [name, table] of Object.entries(TABLES)) {
  out.push(
    `#### ${name === "full" ? "4 older releases + baseline of 12 runs" : "short history: baseline of 5 runs, no older releases"}`,
    "",
    "| sources | mix | noise | candidate runs | false alarms %, all / source rows | caught 10 %, all / source rows (borrowed) | oracle 10 % | caught 20 %, all / source rows | wrong sign 10 / 20 % (histories, any row) |",
    "|---|---|---|---|---|---|---|---|---|",
  );
  for (const layout of LAYOUTS.filter((l) => !l.coldStart || name === "full"))
    for (const noise of NOISES)
      for (const candidateRuns of RUNS) {
        const rand = seededRandom(
          table.seed * 7919 +
            layout.sources * 101 +
            (layout.mix === "flip" ? 50 : 0) +
            (layout.coldStart ? 25 : 0) +
            Math.round(noise * 1000) * 13 +
            candidateRuns +
            100_003 * SEED_OFFSET,
        );
        const spec: HistorySpec = { ...table.spec, noise, effect: 0, candidateRuns, ...layout };
        const nulls = emptyTally();
        for (let i = 0; i < NULLS; i++) score(nulls, syntheticHistory(spec, rand), 0, noise, 0);
        const byEffect = EFFECTS.map((effect) => {
          const t = emptyTally();
          let wrongHistories = 0;
          for (let i = 0; i < PER_EFFECT; i++) {
            const sign = i % 2 === 0 ? 1 : -1;
            const runs = syntheticHistory({ ...spec, effect: signedEffect(effect, sign) }, rand);
            const before = t.all.wrong + t.rowsWrong;
            score(t, runs, sign, noise, effect);
            if (t.all.wrong + t.rowsWrong > before) wrongHistories++;
          }
          return { t, wrongHistories };
        });
        const [ten, twenty] = byEffect as [(typeof byEffect)[0], (typeof byEffect)[0]];
        const rowsOr = (t: Tally, k: number) => (t.rows === 0 ? "-" : pct(k, t.rows));
        const fa = `${pct(nulls.all.wrong, nulls.histories, 2)} / ${rowsOr(nulls, nulls.rowsWrong)}`;
        const caught = (t: Tally, borrowed: boolean) =>
          `${pct(t.all.right, t.histories)} / ${rowsOr(t, t.rowsRight)}${borrowed && t.rows > 0 ? ` (${pct(t.rowsBorrowed, t.rows)})` : ""}`;
        out.push(
          `| ${layout.sources} | ${layout.sources === 1 ? "-" : layout.coldStart ? "shuffled, 2nd joins cold in the baseline" : layout.mix === "flip" ? "70/30 → 30/70" : "shuffled"} | ${noise * 100}% | ${candidateRuns} | ${fa} | ${caught(ten.t, true)} | ${pct(ten.t.oracle, ten.t.histories)} | ${caught(twenty.t, false)} | ${ten.wrongHistories} / ${twenty.wrongHistories} |`,
        );
      }
  out.push("");
}
out.push(`${((performance.now() - started) / 1000).toFixed(1)}s.`);
process.stdout.write(`${out.join("\n")}\n`);
