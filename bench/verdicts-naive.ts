import { normalUpperTail } from "../src/verdicts/distributions.js";
import { median } from "../src/verdicts/median.js";
import { welchTTest } from "../src/verdicts/welch-t-test.js";

// The simple methods a team would use instead, for the side-by-side in bench/verdicts.ts. Each returns a signed
// statistic (positive = candidate higher) and its own decision; they pool every source's runs, as a team
// comparing "this release's runs with the last one's" would.

export interface NaiveResult {
  /** Signed strength: |statistic| large = change; its sign is the direction. */
  statistic: number;
  /** -1 lower, 0 none, 1 higher: the method's own rule. */
  decision: -1 | 0 | 1;
}

/** "It moved more than 5%": the ratio of medians. */
export const medianThreshold = (b: readonly number[], c: readonly number[]): NaiveResult => {
  const change = median(c) / median(b) - 1;
  return {
    statistic: Math.log(median(c) / median(b)),
    decision: change > 0.05 ? 1 : change < -0.05 ? -1 : 0,
  };
};

/** Welch's t-test on the raw values, p < 0.01. */
export const welch = (b: readonly number[], c: readonly number[]): NaiveResult => {
  const r = welchTTest(b, c);
  return { statistic: r.t, decision: r.pValue < 0.01 ? (Math.sign(r.t) as -1 | 1) : 0 };
};

/**
 * Mann-Whitney U with the normal approximation, tie and continuity corrections, p < 0.01. H. B. Mann,
 * D. R. Whitney, Ann. Math. Statist. 18 (1947); the tie correction as in R's wilcox.test(exact = FALSE).
 */
export const mannWhitney = (b: readonly number[], c: readonly number[]): NaiveResult => {
  const all = [...b.map((v) => ({ v, g: 0 })), ...c.map((v) => ({ v, g: 1 }))].sort((x, y) => x.v - y.v);
  const ranks = new Array<number>(all.length);
  let tieTerm = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (j + 1 < all.length && (all[j + 1] as { v: number }).v === (all[i] as { v: number }).v) j++;
    const t = j - i + 1;
    tieTerm += t ** 3 - t;
    for (let k = i; k <= j; k++) ranks[k] = (i + j) / 2 + 1;
    i = j + 1;
  }
  const m = b.length;
  const n = c.length;
  const rankSumC = all.reduce((s, x, i) => (x.g === 1 ? s + (ranks[i] as number) : s), 0);
  const u = rankSumC - (n * (n + 1)) / 2;
  const mean = (m * n) / 2;
  const variance = ((m * n) / 12) * (m + n + 1 - tieTerm / ((m + n) * (m + n - 1)));
  const d = u - mean;
  const z = variance > 0 ? (d - 0.5 * Math.sign(d)) / Math.sqrt(variance) : 0;
  const p = 2 * normalUpperTail(Math.abs(z));
  return { statistic: z, decision: p < 0.01 ? (Math.sign(z) as -1 | 1) : 0 };
};
