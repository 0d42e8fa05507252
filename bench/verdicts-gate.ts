import type { RunRecord } from "../src/store/run-record.js";
import { compareReleases } from "../src/verdicts/compare-releases.js";
import type { Comparison } from "../src/verdicts/types.js";
import { ALL_SOURCES } from "../src/verdicts/verdict-settings.js";
import { cellHistories, cellSeed, gaussian, pct, seededRandom } from "./verdicts-history.js";

// What `report --fail-on regression` gates on: every comparison of a release (the five client metrics and the
// server's, per source and over all sources). On releases that changed nothing, how often does *some* comparison
// say regression, against the headline (p95 over all sources) alone?
//
// The verdict benchmark's histories derive every metric from p95, one number per run. Here each metric also gets
// noise of its own, so the metrics move together (a run's shared slowness, noisy neighbours, flagged runs) without
// being copies of each other. How much of its own noise each metric has is an assumption, printed with the table:
// the family-wise rate depends on it (fully correlated metrics behave like one test; independent ones like many).
// Run: npx tsc -p bench/tsconfig.json && node .tmp/bench/bench/verdicts-gate.js [NULLS]

const NULLS = Number(process.argv[2] ?? 2000);
const NOISES = [0.03, 0.05, 0.1];
const RUNS = [5, 10];
/** Each metric's own log-scale noise, as a multiple of the cell's run-to-run noise. */
const OWN_NOISE = { p50: 0.5, p99: 1, server: 0.7, rps: 0.3 };
/** Client errors per run: Poisson with this mean out of 1200 requests (an error rate of 0.5%). */
const ERRORS_PER_RUN = 6;

const poisson = (mean: number, rand: () => number): number => {
  const limit = Math.exp(-mean);
  let k = 0;
  for (let p = rand(); p > limit; p *= rand()) k++;
  return k;
};

/** The benchmark's run with p50, p99, rps, errors and the server's latency given noise of their own. */
const withOwnNoise = (run: RunRecord, noise: number, rand: () => number): RunRecord => {
  const p95 = run.client.latency_ms.p95 as number;
  const own = (scale: number) => Math.exp(scale * noise * gaussian(rand));
  const mean = p95 * 0.55;
  const errors = poisson(ERRORS_PER_RUN, rand);
  return {
    ...run,
    client: {
      ...run.client,
      errors,
      // Two workers waiting on each request in turn: throughput follows the mean latency.
      rps: (2000 / mean) * own(OWN_NOISE.rps),
      latency_ms: {
        ...run.client.latency_ms,
        p50: (p95 / 2) * own(OWN_NOISE.p50),
        p99: p95 * 1.5 * own(OWN_NOISE.p99),
      },
    },
    ...(run.server === undefined ? {} : { server: { latency_ms: p95 * 0.4 * own(OWN_NOISE.server) } }),
  };
};

const isRegression = (c: Comparison) => c.verdict === "regression";

const started = performance.now();
console.log(
  `No-effect histories per cell: ${NULLS} (4 older releases + 12-run baseline); own noise per metric (× the cell's noise): p50 ${OWN_NOISE.p50}, p99 ${OWN_NOISE.p99}, server latency ${OWN_NOISE.server}, rps ${OWN_NOISE.rps}; errors Poisson(${ERRORS_PER_RUN}) of 1200 requests.\n`,
);
const metricsShown = [
  "client.latency_ms.p50",
  "client.latency_ms.p95",
  "client.latency_ms.p99",
  "client.error_rate",
  "client.rps",
  "server.latency_ms",
];
console.log(
  `| noise | candidate runs | comparisons per release | gate on p95, all sources: fails % | gate on every comparison: fails % | ${metricsShown.map((m) => `${m} regression in any source %`).join(" | ")} |`,
);
console.log(`|${"---|".repeat(5 + metricsShown.length)}`);
for (const noise of NOISES)
  for (const runs of RUNS) {
    const rand = seededRandom(cellSeed(7, noise, runs));
    let headline = 0;
    let any = 0;
    let comparisons = 0;
    const perMetric = new Map<string, number>(metricsShown.map((m) => [m, 0]));
    for (const h of cellHistories("full", noise, runs, { counts: { nulls: NULLS, perEffect: 0 } })) {
      const cs = compareReleases(h.runs.map((r) => withOwnNoise(r, noise, rand)));
      comparisons += cs.length;
      if (cs.some((c) => c.metric === "client.latency_ms.p95" && c.source === ALL_SOURCES && isRegression(c)))
        headline++;
      if (cs.some(isRegression)) any++;
      for (const m of metricsShown)
        if (cs.some((c) => c.metric === m && isRegression(c))) perMetric.set(m, (perMetric.get(m) ?? 0) + 1);
    }
    console.log(
      `| ${noise * 100}% | ${runs} | ${(comparisons / NULLS).toFixed(1)} | ${pct(headline, NULLS, 2)} | ${pct(any, NULLS, 2)} | ${metricsShown.map((m) => pct(perMetric.get(m) ?? 0, NULLS, 2)).join(" | ")} |`,
    );
  }
console.log(`\n${((performance.now() - started) / 1000).toFixed(1)}s.`);
