import type { RunRecord } from "../src/store/run-record.js";
import { compareReleases } from "../src/verdicts/compare-releases.js";
import type { CompareOptions, Comparison } from "../src/verdicts/types.js";
import { ALL_SOURCES } from "../src/verdicts/verdict-settings.js";

// Synthetic run histories with a known injected effect, for bench/verdicts.ts. One history is one service/env:
// older releases, a baseline and a candidate, runs from several sources with different base latencies and
// unequal, per-release proportions, multiplicative log-normal noise, noisy-neighbour outlier runs 1.5-3x slower,
// flagged runs (whose values are shifted: leaving them in would fake changes) and failed runs.

export interface HistorySpec {
  /** Run-to-run noise: SD of log(p95), ≈ the coefficient of variation. 0.03 = 3%. */
  noise: number;
  /** Candidate vs baseline, multiplicative: 0.1 = 10% slower. */
  effect: number;
  candidateRuns: number;
  baselineRuns: number;
  olderReleases: number;
  runsPerOlderRelease: number;
  /** Probability that a run is a noisy-neighbour outlier (value × U(1.5, 3)). */
  outlierRate: number;
  /** Probability that a run is flagged topology_changed / version_changed (value × U(0.7, 1.4)). */
  flaggedRate: number;
  failedRate: number;
  /** Runner locations (1-3, default 3: the first of SOURCES). */
  sources?: number;
  /**
   * How the runs share the sources per release: "shuffled" (default: the SHARES of this many sources in a
   * random order per release) or "flip" (70/30 then 30/70 in turn, so the candidate's mix is the baseline's
   * reversed; with 3 sources 65/25/10 then 10/25/65).
   */
  mix?: "shuffled" | "flip";
  /**
   * The disagreeing-locations case of issue 24: the last source joins during the baseline (no runs before it)
   * and its first three runs are 3-4x slow, as a cold region or a cold cache would make them.
   */
  coldStart?: boolean;
}

export const DEFAULT_SPEC: Omit<HistorySpec, "noise" | "effect" | "candidateRuns"> = {
  baselineRuns: 12,
  olderReleases: 4,
  runsPerOlderRelease: 12,
  outlierRate: 0.05,
  flaggedRate: 0.05,
  failedRate: 0.02,
};

/**
 * The benchmark's three kinds of history: the default (4 older releases, 12-run baseline), a day-long release at
 * a 30-minute cadence (48 runs) and a short history (a 5-run baseline, nothing older). `seed` picks each one's
 * random sequence (bench/verdicts.ts, bench/verdicts-alpha.ts and bench/verdicts-diagnose.ts replay the same).
 */
export const BENCH_HISTORIES = {
  full: { spec: DEFAULT_SPEC, seed: 1, baselineRuns: DEFAULT_SPEC.baselineRuns },
  short: { spec: { ...DEFAULT_SPEC, olderReleases: 0, baselineRuns: 5 }, seed: 2, baselineRuns: 5 },
  daily: { spec: { ...DEFAULT_SPEC, baselineRuns: 48, runsPerOlderRelease: 48 }, seed: 3, baselineRuns: 48 },
} as const;
export type BenchHistory = keyof typeof BENCH_HISTORIES;

// Histories per benchmark cell. Enough that sampling error does not decide a target: at 10,000 no-effect histories
// a true false-alarm rate of 0.75% reads 0.75 ± 0.09 points (one SE; at the first version's 2000 it was ± 0.19,
// and cells at a true 0.7% read as high as 1.1%); at 2000 per effect size, 80% reads 80 ± 0.9.
export const BENCH_TRIALS = { nulls: 10_000, perEffect: 2000 };
/** The injected changes, in the order their histories are drawn (after the no-effect ones). */
export const BENCH_EFFECTS = [0.05, 0.1, 0.2];

/** The seed of one cell (noise level × candidate runs) of a benchmark table; `offset` draws fresh histories. */
export const cellSeed = (tableSeed: number, noise: number, runs: number, offset = 0): number =>
  tableSeed + 10 * offset + Math.round(noise * 1000) * 100 + runs;

/** The noise levels and candidate run counts of a table's cells, in the order its rows are printed. */
export const BENCH_NOISES = [0.03, 0.05, 0.1];
export const BENCH_RUNS = [2, 3, 5, 10, 20];

export interface CellHistory {
  /** The injected change's size (0: none). */
  effect: number;
  /** 1 a regression, -1 an improvement, 0 no change. */
  sign: 1 | -1 | 0;
  runs: RunRecord[];
}

/**
 * One cell's histories in the benchmark's order, from the cell's own seed: `nulls` without an effect, then
 * `perEffect` for each effect size, alternating regressions (×(1 + e)) and improvements (×1/(1 + e), the same
 * distance on the log scale). Every tool that replays a cell goes through here, so they see the same histories.
 */
export function* cellHistories(
  table: BenchHistory,
  noise: number,
  candidateRuns: number,
  options: { counts?: typeof BENCH_TRIALS; offset?: number; rates?: Partial<HistorySpec> } = {},
): Generator<CellHistory> {
  const { spec, seed } = BENCH_HISTORIES[table];
  const counts = options.counts ?? BENCH_TRIALS;
  const rand = seededRandom(cellSeed(seed, noise, candidateRuns, options.offset));
  const make = (effect: number) =>
    syntheticHistory({ ...spec, ...options.rates, noise, effect, candidateRuns }, rand);
  for (let i = 0; i < counts.nulls; i++) yield { effect: 0, sign: 0, runs: make(0) };
  for (const effect of BENCH_EFFECTS)
    for (let i = 0; i < counts.perEffect; i++) {
      const sign = i % 2 === 0 ? 1 : -1;
      yield { effect, sign, runs: make(signedEffect(effect, sign)) };
    }
}

/** A change of size `effect` as the generator's multiplier − 1: ×(1 + e) slower, or ×1/(1 + e) faster. */
export const signedEffect = (effect: number, sign: 1 | -1): number =>
  sign === 1 ? effect : 1 / (1 + effect) - 1;

/** k of n as a percentage with `digits` decimals, for the verdict benchmarks' tables. */
export const pct = (k: number, n: number, digits = 1): string => ((100 * k) / n).toFixed(digits);

/** The comparison every benchmark judges: p95 over every source (or the only source's). */
export const headlineComparison = (runs: readonly RunRecord[], options: CompareOptions = {}): Comparison => {
  const comparisons = compareReleases(runs, { ...options, metrics: ["client.latency_ms.p95"] });
  return comparisons.find((c) => c.source === ALL_SOURCES) ?? (comparisons[0] as Comparison);
};

/** The generator's truth, for the tables only: this run is an injected noisy neighbour. */
export const isSyntheticOutlier = (run: RunRecord): boolean =>
  (run as { synthetic_outlier?: boolean }).synthetic_outlier === true;

/** Base p95 (ms) per source: three runner locations far apart. */
const SOURCES = [
  { name: "eu-west-1", p95: 80 },
  { name: "us-east-1", p95: 120 },
  { name: "ap-south-1", p95: 210 },
];

/** mulberry32: a small seeded PRNG, so every benchmark run sees the same histories. */
export const seededRandom = (seed: number): (() => number) => {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};

export const gaussian = (rand: () => number): number => {
  const u = 1 - rand();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
};

// Per release, the sources get shuffled, unequal shares (e.g. 65% / 25% / 10%): the pooled median moves with
// the mix alone, which is what a naive comparison mistakes for a change.
const SHARES: Record<number, readonly number[]> = { 1: [1], 2: [0.7, 0.3], 3: [0.65, 0.25, 0.1] };

const sourceMix = (rand: () => number, count: number, mix: HistorySpec["mix"], release: number): number[] => {
  const shares = [...(SHARES[count] as readonly number[])];
  // The candidate is the last release: counting back from it, the flip puts the candidate in reversed shares.
  if (mix === "flip") return release % 2 === 0 ? shares.reverse() : shares;
  for (let i = shares.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [shares[i], shares[j]] = [shares[j] as number, shares[i] as number];
  }
  return shares;
};

const pickSource = (rand: () => number, shares: readonly number[]): (typeof SOURCES)[number] => {
  let u = rand();
  for (let i = 0; i < shares.length; i++) {
    u -= shares[i] as number;
    if (u <= 0) return SOURCES[i] as (typeof SOURCES)[number];
  }
  return SOURCES[shares.length - 1] as (typeof SOURCES)[number];
};

const START_MS = Date.parse("2026-01-05T00:00:00.000Z");
const RUN_EVERY_MS = 30 * 60_000;

/** One service's runs: `olderReleases` + baseline + candidate, in time order (versions are hashes, not sortable). */
export const syntheticHistory = (spec: HistorySpec, rand: () => number, service = "svc"): RunRecord[] => {
  const sizes = [
    ...Array.from({ length: spec.olderReleases }, () => spec.runsPerOlderRelease),
    spec.baselineRuns,
    spec.candidateRuns,
  ];
  const runs: RunRecord[] = [];
  let t = START_MS;
  let cold = 0;
  sizes.forEach((size, release) => {
    const isCandidate = release === sizes.length - 1;
    const level = isCandidate ? 1 + spec.effect : 1;
    // Hash-like versions in an order that version sorting gets wrong.
    const version = `${(0xfff - release * 0x111).toString(16)}${release}`;
    const shares = sourceMix(rand, spec.sources ?? SOURCES.length, spec.mix, sizes.length - 1 - release);
    const isBaseline = release === sizes.length - 2;
    for (let i = 0; i < size; i++) {
      let source = pickSource(rand, shares);
      const count = spec.sources ?? SOURCES.length;
      // Cold start: the last source runs nowhere before the second half of the baseline.
      if (spec.coldStart && source === SOURCES[count - 1] && release < sizes.length - 1)
        if (!isBaseline || i < size / 2) source = SOURCES[0] as (typeof SOURCES)[number];
      let p95 = source.p95 * level * Math.exp(spec.noise * gaussian(rand));
      if (spec.coldStart && source === SOURCES[count - 1] && cold < 3) {
        p95 *= 3 + rand();
        cold++;
      }
      const flags: string[] = [];
      let state: RunRecord["state"] = "aggregated";
      const outlier = rand() < spec.outlierRate;
      if (outlier) p95 *= 1.5 + 1.5 * rand();
      if (rand() < spec.flaggedRate) {
        flags.push(rand() < 0.5 ? "topology_changed" : "version_changed");
        p95 *= 0.7 + 0.7 * rand();
      }
      if (rand() < spec.failedRate) state = "failed";
      const record = runRecord(service, version, source.name, t, p95, state, flags, runs.length);
      // The generator's truth, for the benchmark's tables only (records may carry extra fields).
      runs.push(outlier ? { ...record, synthetic_outlier: true } : record);
      t += RUN_EVERY_MS;
    }
  });
  return runs;
};

export const runRecord = (
  service: string,
  version: string,
  source: string,
  startedMs: number,
  p95: number,
  state: RunRecord["state"],
  flags: string[],
  n: number,
): RunRecord => ({
  schema: "dogdriver.run.v1",
  id: `run${n.toString().padStart(8, "0")}`,
  service,
  env: "stage",
  version,
  source,
  test: "dogdriver",
  started_at: new Date(startedMs).toISOString(),
  ended_at: new Date(startedMs + 60_000).toISOString(),
  state,
  client: {
    requests: 1200,
    errors: 0,
    rps: 20,
    latency_ms: {
      p50: p95 / 2,
      p75: p95 * 0.7,
      p90: p95 * 0.9,
      p95,
      p99: p95 * 1.5,
      max: p95 * 3,
      mean: p95 * 0.55,
    },
  },
  ...(state === "aggregated" ? { server: { latency_ms: p95 * 0.4 } } : {}),
  ...(flags.length > 0 ? { flags } : {}),
});

/**
 * A verdict benchmark's command line: `[NULLS [PER_EFFECT]] [--seed N]`, positional counts with these defaults, and
 * `flag(name)` for other numeric options (`--alpha 0.03`).
 */
export const benchArgs = (nulls: number, perEffect: number, argv: readonly string[] = process.argv) => {
  const flag = (name: string): number | undefined => {
    const at = argv.indexOf(name);
    return at >= 0 ? Number(argv[at + 1]) : undefined;
  };
  const counts = argv.slice(2).filter((a, i, all) => !a.startsWith("--") && !all[i - 1]?.startsWith("--"));
  return {
    nulls: Number(counts[0] ?? nulls),
    perEffect: Number(counts[1] ?? perEffect),
    seed: flag("--seed") ?? 0,
    flag,
  };
};
