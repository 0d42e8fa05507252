import {
  normalUpperQuantile,
  normalUpperTail,
  studentTTwoSided,
  studentTUpperQuantile,
} from "./distributions.js";

// The anytime-valid test of `dogdriver verify` (docs/verify.md, "How verify decides"): a confidence sequence
// for the release's change that holds at every look at once, so that verify may stop at the first run count
// that can answer and its false decisions stay at α over all of its looks.
//
// Method: the normal-mixture sequential probability ratio test (H. Robbins, "Statistical methods related to the
// law of the iterated logarithm", Ann. Math. Statist. 41, 1970; the mSPRT of R. Johari, P. Koomen, L. Pekelis,
// D. Walsh, "Always valid inference", Operations Research 70, 2022; its confidence sequence as in S. R. Howard,
// A. Ramdas, J. McAuliffe, J. Sekhon, "Time-uniform, nonparametric, nonasymptotic confidence sequences", Ann.
// Statist. 49, 2021, eq. 14). The estimate d of the change (the two-way fit's contrast) has variance s = σ²v;
// with the baseline's runs fixed and candidate runs arriving, the likelihood ratio of "change δ" against
// "change 0", mixed over δ ~ N(0, τ²), is
//     Λ = √(s / (s + τ²)) · exp(τ² d² / (2 s (s + τ²))),
// a martingale under "no change" (the baseline's own error is part of d's variance, not of the martingale's
// increments), so by Ville's inequality P(Λ ever ≥ 1/α) ≤ α: 1/Λ is an always-valid p-value, and
//     d ± √(s (s + τ²) / τ² · (ln(1/α²) + ln((s + τ²) / s)))
// covers δ at every look at once with probability 1 − α when σ is known. σ is not known: it is the fit's
// residual SD, from the whole history, with df degrees of freedom. The statistic d/ŝ is then carried to the
// normal scale by its tail (the z with the same two-sided tail as Student's t at d/ŝ), and the sequence's
// boundary back to t's by the same tail, so that every look keeps the tail probability it has when σ is known.
// (An earlier version inflated s by (t_df / z)² at α/2; the mixture's boundary lies further out than that
// quantile, where t's tail is heavier still, and with σ from a short history (df 3-5) a metric's false decisions
// over 10 looks reached 0.57% at a level of 0.5%.)
//
// The baseline's runs are fixed while the candidate's arrive, so d's error is the candidate's running mean (a
// martingale) plus the baseline's own error, the same at every look: Λ is then not exactly a martingale, and
// Ville's inequality is not a proof here. It is conservative by measurement (bench/verify-sequence.ts): at a
// level of 0.5%, a metric's false decisions over 10 or 30 looks were at most 0.11% with σ known and 0.135% with σ
// from a 3- to 12-run baseline and the candidate's runs alone (docs/verify.md).

export interface Sequential {
  /** The mixture's scale: the size of change (log-ratio) the test is tuned to find fastest. */
  tau: number;
  /**
   * The level of the sequence that decides "no change" (its lying within the equivalence margin): as the
   * fixed-sample verdict's 95% interval, a wider level than the one that decides a regression or improvement.
   */
  equivalenceAlpha: number;
}

/** The z with the same two-sided tail as Student's t at `t` with `df` degrees of freedom. */
const normalEquivalent = (t: number, df: number): number => {
  const tail = studentTTwoSided(t, df) / 2;
  return tail >= 0.5 ? 0 : normalUpperQuantile(tail);
};

// A verify judges a few metrics a few times; its benchmark, millions of times: t's quantiles are cached by the
// boundary to three decimals (a relative error of 1e-4 or less in the half-width), at most 10,000 at a time.
const tQuantiles = new Map<string, number>();

/** The t (with `df` degrees of freedom) with the same upper tail as the normal at `z`. */
const tEquivalent = (z: number, df: number): number => {
  const key = `${df}:${z.toFixed(3)}`;
  let t = tQuantiles.get(key);
  if (t === undefined) {
    if (tQuantiles.size >= 10_000) tQuantiles.clear();
    t = studentTUpperQuantile(normalUpperTail(Number(z.toFixed(3))), df);
    tQuantiles.set(key, t);
  }
  return t;
};

export interface MixtureTest {
  /** The always-valid p-value of "no change", 1/Λ (at most 1). */
  pValue: number;
  /** Half the width of the confidence sequence at level 1 − α. */
  half: number;
}

/** The mixture test of a contrast `shift` with standard error `se` (from a fit with `df` degrees of freedom). */
export const mixtureTest = (
  shift: number,
  se: number,
  df: number,
  alpha: number,
  tau: number,
): MixtureTest => {
  const s = se * se;
  const t2 = tau * tau;
  // d/ŝ on the normal scale: the z with the two-sided tail Student's t has there.
  const z = normalEquivalent(Math.abs(shift) / se, df);
  const logLr = 0.5 * Math.log(s / (s + t2)) + (t2 * z * z) / (2 * (s + t2));
  // The boundary in standard errors when σ is known, then t's with the same tail.
  const boundary = Math.sqrt(((s + t2) / t2) * (Math.log(1 / (alpha * alpha)) + Math.log((s + t2) / s)));
  return {
    pValue: Math.min(1, Math.exp(-logLr)),
    half: se * tEquivalent(boundary, df),
  };
};
