import { normalUpperQuantile, studentTUpperQuantile } from "./distributions.js";

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
// covers δ at every look at once with probability 1 − α. σ is not known: it is the fit's residual SD, from the
// whole history, and s is inflated by (t_df / z)² at the test's level, as the t test inflates the normal one.

export interface Sequential {
  /** The mixture's scale: the size of change (log-ratio) the test is tuned to find fastest. */
  tau: number;
  /**
   * The level of the sequence that decides "no change" (its lying within the equivalence margin): as the
   * fixed-sample verdict's 95% interval, a wider level than the one that decides a regression or improvement.
   */
  equivalenceAlpha: number;
}

const normalQuantiles = new Map<number, number>();

/** σ̂'s own uncertainty: the ratio of Student's t and the normal quantile at two-sided level α, squared. */
const dfInflation = (alpha: number, df: number): number => {
  let z = normalQuantiles.get(alpha);
  if (z === undefined) {
    z = normalUpperQuantile(alpha / 2);
    normalQuantiles.set(alpha, z);
  }
  return (studentTUpperQuantile(alpha / 2, df) / z) ** 2;
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
  const s = se * se * dfInflation(alpha, df);
  const t2 = tau * tau;
  const logLr = 0.5 * Math.log(s / (s + t2)) + (t2 * shift * shift) / (2 * s * (s + t2));
  return {
    pValue: Math.min(1, Math.exp(-logLr)),
    half: Math.sqrt(((s * (s + t2)) / t2) * (Math.log(1 / (alpha * alpha)) + Math.log((s + t2) / s))),
  };
};
