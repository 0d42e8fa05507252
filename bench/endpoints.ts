import { performance } from "node:perf_hooks";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import type { EndpointEntry, RunRecord } from "../src/store/run-record.js";
import { compareReleases } from "../src/verdicts/compare-releases.js";
import type { Comparison } from "../src/verdicts/types.js";
import { gaussian, pct, seededRandom } from "./verdicts-history.js";

// The per-endpoint verdict benchmark (docs/benchmarks.md, "Endpoints"): synthetic services with 5, 20 or 50
// endpoints of uneven traffic (the i-th endpoint's share ∝ 1/i), 4 older releases and a baseline of 12 runs,
// then 5 or 10 candidate runs; in some releases one endpoint with at least 5% of the requests changes by ±20% or
// ±40%. Each run: a slowness all endpoints share, each endpoint's own noise (more for rarer ones: their p95
// rests on fewer requests), 5% noisy-neighbour runs (every endpoint 1.5-3x) and 5% flagged runs. Measured:
// false alarms per release over all of a service's endpoint comparisons (the family), and how often the changed
// endpoint is found (right endpoint, right sign) with no other endpoint flagged.
// Run: npx tsc -p bench/tsconfig.json && node .tmp/bench/bench/endpoints.js [NULLS [PER_EFFECT]]

const args = process.argv.slice(2).filter((a) => !a.startsWith("--"));
const NULLS = Number(args[0] ?? 1000);
const PER_EFFECT = Number(args[1] ?? 200);
const EFFECTS = [0.2, 0.4];
const LATENCY = ["client.latency_ms.p50", "client.latency_ms.p95", "client.latency_ms.p99"];

interface CellSpec {
  endpoints: number;
  noise: number;
  candidateRuns: number;
}
const CELLS: CellSpec[] = [5, 20, 50].flatMap((endpoints) =>
  [0.03, 0.05].flatMap((noise) => [5, 10].map((candidateRuns) => ({ endpoints, noise, candidateRuns }))),
);

const REQUESTS = 2000;
const START_MS = Date.parse("2026-06-01T00:00:00.000Z");

/** One service's history; `changed` (an endpoint index) moves by `effect` in the candidate. */
const history = (cell: CellSpec, rand: () => number, changed: number, effect: number): RunRecord[] => {
  const weights = Array.from({ length: cell.endpoints }, (_, i) => 1 / (i + 1));
  const total = weights.reduce((s, w) => s + w, 0);
  const shares = weights.map((w) => w / total);
  const levels = shares.map((_, i) => 20 + ((i * 37) % 60));
  const sizes = [12, 12, 12, 12, 12, cell.candidateRuns];
  const runs: RunRecord[] = [];
  let t = START_MS;
  sizes.forEach((size, release) => {
    const candidate = release === sizes.length - 1;
    for (let k = 0; k < size; k++) {
      const shared = (cell.noise / Math.SQRT2) * gaussian(rand);
      const neighbour = rand() < 0.05 ? 1.5 + 1.5 * rand() : 1;
      const flagged = rand() < 0.05;
      const endpoints: EndpointEntry[] = shares.map((share, i) => {
        // The endpoint's own noise: the cell's for a 5% share, more as its requests thin out.
        const own = (cell.noise / Math.SQRT2) * Math.max(1, Math.sqrt(0.05 / share));
        const move = candidate && i === changed ? 1 + effect : 1;
        const p95 = (levels[i] as number) * move * neighbour * Math.exp(shared + own * gaussian(rand));
        const requests = Math.max(1, Math.round(REQUESTS * share));
        return {
          name: `GET /api/e${i}`,
          requests,
          errors: 0,
          latency_ms: { p50: p95 / 2, p95, p99: p95 * 1.3 },
        };
      });
      const p95 = endpoints.reduce((s, e, i) => s + (shares[i] as number) * (e.latency_ms.p95 as number), 0);
      runs.push({
        schema: "dogdriver.run.v2",
        id: `r${runs.length}`,
        service: "svc",
        env: "stage",
        version: `v${release}`,
        source: "eu-west-1",
        test: "dogdriver",
        started_at: new Date(t).toISOString(),
        ended_at: new Date(t + 60_000).toISOString(),
        state: "aggregated",
        client: {
          requests: REQUESTS,
          errors: 0,
          rps: 30,
          latency_ms: {
            p50: p95 / 2,
            p75: p95 * 0.7,
            p90: p95 * 0.9,
            p95,
            p99: p95 * 1.3,
            max: p95 * 2,
            mean: p95 * 0.6,
          },
          endpoints,
        },
        ...(flagged ? { flags: ["topology_changed"] } : {}),
      });
      t += 30 * 60_000;
    }
  });
  return runs;
};

const moved = (c: Comparison): -1 | 0 | 1 =>
  c.verdict === "regression" ? 1 : c.verdict === "improvement" ? -1 : 0;

interface CellResult {
  cell: CellSpec;
  nulls: number;
  falseReleases: number;
  comparisons: number;
  effects: { effect: number; n: number; found: number; wrongEndpoint: number; wrongSign: number }[];
}

const runCell = (cell: CellSpec, index: number): CellResult => {
  const rand = seededRandom(4242 + 97 * index);
  const endpointRows = (runs: RunRecord[]) =>
    compareReleases(runs, { changePoints: false }).filter((c) => c.endpoint !== undefined);
  let falseReleases = 0;
  let comparisons = 0;
  for (let i = 0; i < NULLS; i++) {
    const rows = endpointRows(history(cell, rand, -1, 0));
    comparisons += rows.length;
    if (rows.some((c) => moved(c) !== 0)) falseReleases++;
  }
  // The changed endpoint: one with at least 5% of the requests (shares ∝ 1/i: the first few).
  const eligible = Array.from({ length: cell.endpoints }, (_, i) => i).filter((i) => {
    const total = Array.from({ length: cell.endpoints }, (_, k) => 1 / (k + 1)).reduce((s, w) => s + w, 0);
    return 1 / (i + 1) / total >= 0.05;
  });
  const effects = EFFECTS.map((effect) => {
    const out = { effect, n: 0, found: 0, wrongEndpoint: 0, wrongSign: 0 };
    for (let k = 0; k < PER_EFFECT; k++) {
      const sign = k % 2 === 0 ? 1 : -1;
      const changed = eligible[k % eligible.length] as number;
      const rows = endpointRows(history(cell, rand, changed, sign === 1 ? effect : 1 / (1 + effect) - 1));
      const name = `GET /api/e${changed}`;
      out.n++;
      const own = rows.filter((c) => c.endpoint === name && LATENCY.includes(c.metric));
      if (own.some((c) => moved(c) === -sign)) out.wrongSign++;
      const others = rows.some((c) => c.endpoint !== name && moved(c) !== 0);
      if (others) out.wrongEndpoint++;
      if (own.some((c) => moved(c) === sign) && !others) out.found++;
    }
    return out;
  });
  return { cell, nulls: NULLS, falseReleases, comparisons, effects };
};

const render = (results: CellResult[], seconds: number): string => {
  const pooled = results.reduce<[number, number]>((s, r) => [s[0] + r.falseReleases, s[1] + r.nulls], [0, 0]);
  const lines = [
    `Releases per cell: ${NULLS} without a change, ${PER_EFFECT} per change size (half slower, half faster); ${seconds.toFixed(0)} s.`,
    "",
    `| endpoints | noise | candidate runs | endpoint comparisons per release | false alarms per release (any endpoint) | ${EFFECTS.map((e) => `${e * 100}%: found (wrong endpoint flagged / wrong sign)`).join(" | ")} |`,
    `|---|---|---|---|---|${EFFECTS.map(() => "---|").join("")}`,
    ...results.map(
      (r) =>
        `| ${r.cell.endpoints} | ${r.cell.noise * 100}% | ${r.cell.candidateRuns} | ${Math.round(r.comparisons / r.nulls)} | ${pct(r.falseReleases, r.nulls, 2)}% | ${r.effects
          .map((e) => `${pct(e.found, e.n, 1)}% (${e.wrongEndpoint} / ${e.wrongSign})`)
          .join(" | ")} |`,
    ),
    "",
    `Pooled false alarms per release: ${pct(pooled[0], pooled[1], 2)}% (${pooled[0]} of ${pooled[1]}).`,
  ];
  return lines.join("\n");
};

const inWorker = (cells: [CellSpec, number][]): Promise<CellResult[]> =>
  new Promise((resolve, reject) => {
    const worker = new Worker(new URL(import.meta.url), { workerData: cells, argv: process.argv.slice(2) });
    worker.once("message", resolve);
    worker.once("error", reject);
  });

const main = async () => {
  const started = performance.now();
  const indexed = CELLS.map((c, i) => [c, i] as [CellSpec, number]);
  const results = (
    await Promise.all(
      [indexed.filter((_, i) => i % 2 === 0), indexed.filter((_, i) => i % 2 === 1)].map(inWorker),
    )
  ).flat();
  const order = (r: CellResult) => CELLS.findIndex((c) => JSON.stringify(c) === JSON.stringify(r.cell));
  results.sort((a, b) => order(a) - order(b));
  process.stdout.write(`${render(results, (performance.now() - started) / 1000)}\n`);
};

if (isMainThread) await main();
else parentPort?.postMessage((workerData as [CellSpec, number][]).map(([c, i]) => runCell(c, i)));
