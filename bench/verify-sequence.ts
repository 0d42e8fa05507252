import { performance } from "node:perf_hooks";
import { mixtureTest } from "../src/verdicts/sequential.js";
import { gaussian, seededRandom } from "./verdicts-history.js";

// How often verify's confidence sequence says "changed" when nothing changed, for one metric at its level
// (α/4 = 0.75%), over every look: streams of a fixed baseline and candidate runs arriving one by one, judged after
// each from the second on. With σ known (the mixture's own case, but for the baseline's error, the same at
// every look), and with σ estimated from those two releases alone (df = nb + nc − 2: verify's worst case, a
// service with no older history). docs/verify.md, "How verify decides"; docs/benchmarks.md, "Verify".
// Run: npx tsc -p bench/tsconfig.json && node .tmp/bench/bench/verify-sequence.js [STREAMS]

const STREAMS = Number(process.argv[2] ?? 20000);
const ALPHA = 0.0075;
const TAU = 0.1;

const falseRate = (sigma: number, nb: number, looks: number, known: boolean, rand: () => number): number => {
  let alarms = 0;
  for (let k = 0; k < STREAMS; k++) {
    let sumB = 0;
    let sqB = 0;
    for (let i = 0; i < nb; i++) {
      const x = sigma * gaussian(rand);
      sumB += x;
      sqB += x * x;
    }
    const mb = sumB / nb;
    const ssB = sqB - nb * mb * mb;
    let sumC = 0;
    let sqC = 0;
    for (let n = 1; n <= looks; n++) {
      const x = sigma * gaussian(rand);
      sumC += x;
      sqC += x * x;
      if (n < 2) continue;
      const mc = sumC / n;
      const df = nb + n - 2;
      const sd = known ? sigma : Math.sqrt((ssB + sqC - n * mc * mc) / df);
      const test = mixtureTest(mc - mb, sd * Math.sqrt(1 / n + 1 / nb), known ? 1e6 : df, ALPHA, TAU);
      if (test.pValue < ALPHA) {
        alarms++;
        break;
      }
    }
  }
  return alarms / STREAMS;
};

const started = performance.now();
const rand = seededRandom(20261206);
console.log(`Streams per row: ${STREAMS}; level ${ALPHA} (one metric), τ ${TAU}.\n`);
console.log(
  "| σ | baseline runs | looks | false decisions, σ known | false decisions, σ from the two releases |",
);
console.log("|---|---|---|---|---|");
for (const sigma of [0.01, 0.03, 0.05, 0.1])
  for (const nb of [3, 5, 12])
    for (const looks of [10, 30]) {
      const known = falseRate(sigma, nb, looks, true, rand);
      const estimated = falseRate(sigma, nb, looks, false, rand);
      console.log(
        `| ${sigma * 100}% | ${nb} | 2-${looks} | ${(100 * known).toFixed(3)}% | ${(100 * estimated).toFixed(3)}% |`,
      );
    }
console.log(`\n${((performance.now() - started) / 1000).toFixed(0)} s.`);
