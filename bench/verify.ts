import { performance } from "node:perf_hooks";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import type { RunRecord } from "../src/store/run-record.js";
import { compareReleases } from "../src/verdicts/compare-releases.js";
import type { Comparison } from "../src/verdicts/types.js";
import { type VerifyVerdict, verifyDecision } from "../src/verify/verify-decision.js";
import {
  VERIFY_LEVELS,
  VERIFY_METRICS,
  type VerifyLevels,
  type VerifyTarget,
  verifyLook,
  verifyRows,
} from "../src/verify/verify-judge.js";
import {
  benchArgs,
  gaussian,
  type HistorySpec,
  pct,
  seededRandom,
  signedEffect,
  syntheticHistory,
} from "./verdicts-history.js";

// The verify benchmark (docs/benchmarks.md, "Verify"): streams of candidate runs from the verdict benchmark's
// generator (outlier runs 1.5-3x, flagged and runner-saturated runs, one or two locations, a baseline of 5 or 12
// runs after 4 older releases of 12), each metric with noise of its own. Each stream is judged as `verify`
// judges it, after every run up to the budget (10), and beside it today's fixed-sample verdict at the budget and
// naive peeking (today's test after every run, stopping at the first verdict). Prints Markdown tables.
// Run: npx tsc -p bench/tsconfig.json && node .tmp/bench/bench/verify.js [NULLS [PER_EFFECT]] [--seed N]

const { nulls: NULLS, perEffect: PER_EFFECT, seed: SEED, flag } = benchArgs(1000, 200);
const BUDGET = 10;
const HEADLINE = "client.latency_ms.p95";
/** Inside the margin and below the 3% threshold: a regression or improvement verdict on these is false. */
const SMALL = 0.02;
const MARGIN_PCT = 10;
const EFFECTS = [0.05, 0.1, 0.2, 0.4];
const NOISES = [0.03, 0.05, 0.1];
// --alpha, --eq and --tau try other levels than verify's (how they were chosen: docs/benchmarks.md, "Verify").
const LEVELS: VerifyLevels = {
  alpha: flag("--alpha") ?? VERIFY_LEVELS.alpha,
  equivalenceAlpha: flag("--eq") ?? VERIFY_LEVELS.equivalenceAlpha,
  tau: flag("--tau") ?? VERIFY_LEVELS.tau,
};

interface CellSpec {
  noise: number;
  baselineRuns: number;
  sources: number;
}
const CELLS: CellSpec[] = NOISES.flatMap((noise) =>
  [12, 5].flatMap((baselineRuns) => [1, 2].map((sources) => ({ noise, baselineRuns, sources }))),
);

/** k successes in n trials of probability p (by counting: n is 1,000). */
const binomial = (rand: () => number, n: number, p: number): number => {
  let k = 0;
  for (let i = 0; i < n; i++) if (rand() < p) k++;
  return k;
};

/** One stream: the history up to the baseline, and BUDGET candidate runs in the order they come. */
const stream = (
  cell: CellSpec,
  effect: number,
  rand: () => number,
): { history: RunRecord[]; candidate: RunRecord[] } => {
  const spec: HistorySpec = {
    noise: cell.noise,
    effect,
    candidateRuns: BUDGET,
    baselineRuns: cell.baselineRuns,
    olderReleases: 4,
    runsPerOlderRelease: 12,
    outlierRate: 0.05,
    flaggedRate: 0.03,
    // A failed load test stops verify (exit 5): the streams have none.
    failedRate: 0,
    sources: cell.sources,
    mix: "shuffled",
  };
  const runs = syntheticHistory(spec, rand).map((r) => {
    // Each metric a noise of its own beside the run's shared slowness; 3% of runs met a busy runner.
    const p95 = r.client.latency_ms.p95 as number;
    const wobble = (sd: number) => Math.exp(sd * gaussian(rand));
    const saturated = rand() < 0.03;
    return {
      ...r,
      ...(saturated ? { flags: [...(r.flags ?? []), "runner_saturated"] } : {}),
      client: {
        ...r.client,
        rps: 20 * wobble(cell.noise / 2) * (saturated ? 0.7 : 1),
        // Errors as rare independent events: about one request in 2,000 fails, binomially.
        error_rate: binomial(rand, 1000, 0.0005) / 1000,
        latency_ms: {
          ...r.client.latency_ms,
          p50: (p95 / 2) * wobble(cell.noise / 2),
          p99: p95 * 1.5 * wobble(cell.noise),
        },
      },
    };
  });
  const versions = [...new Set(runs.map((r) => r.version))];
  const candidate = versions[versions.length - 1];
  return {
    history: runs.filter((r) => r.version !== candidate),
    candidate: runs.filter((r) => r.version === candidate),
  };
};

interface Outcome {
  verdict: VerifyVerdict;
  /** Candidate runs made when it decided (BUDGET when undecided). */
  at: number;
}

const targetOf = (history: RunRecord[], candidate: RunRecord[]): VerifyTarget => {
  const versions = [...new Set(history.map((r) => r.version))];
  return {
    service: "svc",
    env: "stage",
    test: "dogdriver",
    baseline: versions[versions.length - 1] as string,
    candidate: (candidate[0] as RunRecord).version,
  };
};

/** verify: the anytime-valid look after every run. */
const verify = (history: RunRecord[], candidate: RunRecord[]): Outcome => {
  const target = targetOf(history, candidate);
  for (let n = 1; n <= BUDGET; n++) {
    const rows = verifyLook([...history, ...candidate.slice(0, n)], target, { levels: LEVELS }).rows;
    const d = verifyDecision(rows, HEADLINE, MARGIN_PCT);
    if (d.verdict !== "undecided") return { verdict: d.verdict, at: n };
  }
  return { verdict: "undecided", at: BUDGET };
};

/** Today's fixed-sample verdict on the same rows, with the same decision rule. */
const fixedRows = (runs: RunRecord[]): Comparison[] =>
  verifyRows(compareReleases(runs, { metrics: VERIFY_METRICS, changePoints: false }));

const fixedAtBudget = (history: RunRecord[], candidate: RunRecord[]): Outcome => {
  const d = verifyDecision(fixedRows([...history, ...candidate]), HEADLINE, MARGIN_PCT);
  return { verdict: d.verdict, at: BUDGET };
};

/** Naive peeking: today's test after every run, stopping at its first verdict. */
const peeking = (history: RunRecord[], candidate: RunRecord[]): Outcome => {
  for (let n = 1; n <= BUDGET; n++) {
    const d = verifyDecision(fixedRows([...history, ...candidate.slice(0, n)]), HEADLINE, MARGIN_PCT);
    if (d.verdict !== "undecided") return { verdict: d.verdict, at: n };
  }
  return { verdict: "undecided", at: BUDGET };
};

interface Tally {
  n: number;
  falseDecision: number;
  noChange: number;
  undecided: number;
  wrongSign: number;
  right: number;
  at: number[];
}
const tally = (): Tally => ({
  n: 0,
  falseDecision: 0,
  noChange: 0,
  undecided: 0,
  wrongSign: 0,
  right: 0,
  at: [],
});

/**
 * sign: +1 slower (a regression), -1 faster, 0 none. `small`: a real change inside the practical threshold (±2%):
 * a verdict with its sign is not false (the release did move), one with the other sign is.
 */
const score = (t: Tally, o: Outcome, sign: -1 | 0 | 1, small = false) => {
  t.n++;
  const moved = o.verdict === "regression" ? 1 : o.verdict === "improvement" ? -1 : 0;
  if (o.verdict === "undecided") t.undecided++;
  if (o.verdict === "no_change") t.noChange++;
  if (sign === 0 || small) {
    if (moved !== 0 && moved !== sign) t.falseDecision++;
    else if (moved === sign && small) t.right++;
    else if (o.verdict === "no_change") t.at.push(o.at);
    return;
  }
  if (moved === -sign) {
    t.wrongSign++;
    if (process.env.VERIFY_DEBUG) process.stderr.write(`wrong sign: ${JSON.stringify(o)} sign ${sign}\n`);
  }
  if (moved === sign) {
    t.right++;
    t.at.push(o.at);
  }
};

/** The median of runs to the right decision over every stream, one not decided right counting as past the budget. */
const medianAll = (t: Tally): string => {
  const all = [...t.at, ...Array.from({ length: t.n - t.at.length }, () => Number.POSITIVE_INFINITY)].sort(
    (a, b) => a - b,
  );
  const m = all[Math.floor((all.length - 1) / 2)] as number;
  return Number.isFinite(m) ? String(m) : `>${BUDGET}`;
};

const quantile = (values: number[], q: number): string => {
  if (values.length === 0) return "-";
  const s = [...values].sort((a, b) => a - b);
  return String(s[Math.min(s.length - 1, Math.floor(q * s.length))]);
};

interface CellResult {
  cell: CellSpec;
  nulls: Record<"verify" | "fixed" | "peeking", Tally>;
  small: Record<"verify" | "fixed" | "peeking", Tally>;
  effects: Map<number, Record<"verify" | "fixed" | "slower" | "faster", Tally>>;
  seconds: number;
}

const runCell = (cell: CellSpec, index: number): CellResult => {
  const started = performance.now();
  const rand = seededRandom(9000 + 101 * index + 7919 * SEED);
  const nulls = { verify: tally(), fixed: tally(), peeking: tally() };
  const small = { verify: tally(), fixed: tally(), peeking: tally() };
  const effects = new Map(
    EFFECTS.map((e) => [e, { verify: tally(), fixed: tally(), slower: tally(), faster: tally() }]),
  );
  const judgeAll = (
    effect: number,
    sink: Record<string, Tally>,
    sign: -1 | 0 | 1,
    withPeeking: boolean,
    inside = false,
  ) => {
    const { history, candidate } = stream(cell, effect, rand);
    const verified = verify(history, candidate);
    score(sink.verify as Tally, verified, sign, inside);
    // A real change's streams also apart by direction: a regression needs 3 runs, an improvement 2.
    const apart = sign === 1 ? sink.slower : sign === -1 ? sink.faster : undefined;
    if (apart !== undefined && !inside) score(apart, verified, sign);
    score(sink.fixed as Tally, fixedAtBudget(history, candidate), sign, inside);
    if (withPeeking) score(sink.peeking as Tally, peeking(history, candidate), sign, inside);
  };
  for (let i = 0; i < NULLS; i++) judgeAll(0, nulls, 0, true);
  for (let i = 0; i < PER_EFFECT; i++) {
    const sign = i % 2 === 0 ? 1 : -1;
    judgeAll(signedEffect(SMALL, sign), small, sign, true, true);
  }
  for (const effect of EFFECTS)
    for (let i = 0; i < PER_EFFECT; i++) {
      const sign = i % 2 === 0 ? 1 : -1;
      judgeAll(signedEffect(effect, sign), effects.get(effect) as Record<string, Tally>, sign, false);
    }
  return { cell, nulls, small, effects, seconds: (performance.now() - started) / 1000 };
};

const smallText = (t: Tally) => `${pct(t.falseDecision, t.n, 1)}% (${pct(t.right, t.n, 0)}%)`;

const label = (c: CellSpec) => `${c.noise * 100}% | ${c.baselineRuns} | ${c.sources}`;

const render = (results: CellResult[]): string => {
  const lines: string[] = [];
  lines.push(
    "#### False decisions over every look (no change, and ±2% changes inside the margin)",
    "",
    "| noise | baseline runs | locations | verify: false regression or improvement, no change | ±2%: wrong sign (its sign) | verify: no_change, median runs over every stream (p90 of those decided) | undecided at 10 | fixed at 10: false | ±2%: wrong sign (its sign) | naive peeking: false | ±2%: wrong sign (its sign) |",
    "|---|---|---|---|---|---|---|---|---|---|---|",
  );
  const pooled = { verify: [0, 0], fixed: [0, 0], peeking: [0, 0] } as Record<string, [number, number]>;
  for (const r of results) {
    for (const m of ["verify", "fixed", "peeking"] as const) {
      (pooled[m] as [number, number])[0] += r.nulls[m].falseDecision;
      (pooled[m] as [number, number])[1] += r.nulls[m].n;
    }
    lines.push(
      `| ${label(r.cell)} | ${pct(r.nulls.verify.falseDecision, r.nulls.verify.n, 2)}% | ${smallText(r.small.verify)} | ${medianAll(r.nulls.verify)} (${quantile(r.nulls.verify.at, 0.9)}) | ${pct(r.nulls.verify.undecided, r.nulls.verify.n)}% | ${pct(r.nulls.fixed.falseDecision, r.nulls.fixed.n, 2)}% | ${smallText(r.small.fixed)} | ${pct(r.nulls.peeking.falseDecision, r.nulls.peeking.n, 2)}% | ${smallText(r.small.peeking)} |`,
    );
  }
  const p = (m: string) => {
    const [k, n] = pooled[m] as [number, number];
    return `${pct(k, n, 2)}% (${k} of ${n})`;
  };
  lines.push(
    "",
    `Pooled false decisions: verify ${p("verify")}, fixed at 10 ${p("fixed")}, naive peeking ${p("peeking")}.`,
    "",
  );
  lines.push(
    "#### Runs to a decision on a real change: median over every stream (a stream not decided right counts as past the budget) (median, p90 of those decided right); share decided right / wrong sign / undecided at 10",
    "",
    `| noise | baseline runs | locations | ${EFFECTS.map((e) => `${e * 100}%: verify`).join(" | ")} | ${EFFECTS.map((e) => `${e * 100}%: fixed at 10`).join(" | ")} |`,
    `|---|---|---|${EFFECTS.map(() => "---|").join("")}${EFFECTS.map(() => "---|").join("")}`,
  );
  for (const r of results) {
    const v = EFFECTS.map((e) => {
      const t = (r.effects.get(e) as Record<"verify" | "fixed", Tally>).verify;
      return `${medianAll(t)} (${quantile(t.at, 0.5)}, ${quantile(t.at, 0.9)}); ${pct(t.right, t.n, 0)} / ${t.wrongSign} / ${pct(t.undecided, t.n, 0)}%`;
    });
    const f = EFFECTS.map((e) => {
      const t = (r.effects.get(e) as Record<"verify" | "fixed", Tally>).fixed;
      return `${pct(t.right, t.n, 0)} / ${t.wrongSign} / ${pct(t.undecided, t.n, 0)}%`;
    });
    lines.push(`| ${label(r.cell)} | ${v.join(" | ")} | ${f.join(" | ")} |`);
  }
  lines.push(
    "",
    "#### The same streams apart: slower (a regression needs 3 runs) / faster; median runs over every stream (a stream not decided right counts as past the budget)",
    "",
    `| noise | baseline runs | locations | ${EFFECTS.map((e) => `${e * 100}%: slower / faster`).join(" | ")} |`,
    `|---|---|---|${EFFECTS.map(() => "---|").join("")}`,
  );
  for (const r of results) {
    const v = EFFECTS.map((e) => {
      const t = r.effects.get(e) as Record<"slower" | "faster", Tally>;
      return `${medianAll(t.slower)} / ${medianAll(t.faster)}`;
    });
    lines.push(`| ${label(r.cell)} | ${v.join(" | ")} |`);
  }
  return lines.join("\n");
};

const inWorker = (cells: [CellSpec, number][]): Promise<CellResult[]> =>
  new Promise((resolve, reject) => {
    const worker = new Worker(new URL(import.meta.url), { workerData: cells, argv: process.argv.slice(2) });
    worker.once("message", (results: CellResult[]) =>
      resolve(results.map((r) => ({ ...r, effects: new Map(r.effects) }))),
    );
    worker.once("error", reject);
  });

const main = async () => {
  const started = performance.now();
  const indexed = CELLS.map((c, i) => [c, i] as [CellSpec, number]);
  const halves = [indexed.filter((_, i) => i % 2 === 0), indexed.filter((_, i) => i % 2 === 1)];
  const results = (await Promise.all(halves.map(inWorker))).flat();
  const order = (r: CellResult) => CELLS.findIndex((c) => label(c) === label(r.cell));
  results.sort((a, b) => order(a) - order(b));
  process.stdout.write(
    `Streams per cell: ${NULLS} without a change, ${PER_EFFECT} at ±2% and ${PER_EFFECT} per change size (half slower, half faster); budget ${BUDGET} runs; levels α ${LEVELS.alpha}, equivalence α ${LEVELS.equivalenceAlpha}, τ ${LEVELS.tau}; seed ${SEED}; ${((performance.now() - started) / 1000).toFixed(0)} s.\n\n${render(results)}\n`,
  );
};

if (isMainThread) await main();
else
  parentPort?.postMessage(
    (workerData as [CellSpec, number][]).map(([cell, i]) => {
      const r = runCell(cell, i);
      return { ...r, effects: [...r.effects] };
    }),
  );
