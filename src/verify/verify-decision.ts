import type { Comparison } from "../verdicts/types.js";

// When a verify stops (docs/verify.md): at the first look where a metric regressed, or where the headline metric
// is decided (no change, or an improvement) and no metric can still hide a regression as large as the
// equivalence margin.

export type VerifyVerdict = "regression" | "improvement" | "no_change" | "undecided";

export interface VerifyDecision {
  verdict: VerifyVerdict;
  /** The comparison that decided (the headline's, or the metric that regressed); the headline's while undecided. */
  comparison: Comparison | undefined;
}

/**
 * The metric hides no regression as large as the equivalence margin: decided no change or improvement, or its
 * interval's worse side within the margin (a noisy metric that may have improved a lot does not hold verify back).
 */
const noMarginRegression = (c: Comparison, marginPct: number): boolean => {
  if (c.verdict === "no_change" || c.verdict === "improvement") return true;
  if (c.verdict === "regression" || c.change_ci_pct === null) return false;
  const [low, high] = c.change_ci_pct;
  return c.direction === "higher_is_worse" ? high <= marginPct : low >= -marginPct;
};

export const verifyDecision = (
  rows: readonly Comparison[],
  headlineMetric: string,
  marginPct: number,
): VerifyDecision => {
  const headline = rows.find((c) => c.metric === headlineMetric);
  const regressed = rows.filter((c) => c.verdict === "regression");
  if (regressed.length > 0)
    return { verdict: "regression", comparison: regressed.find((c) => c === headline) ?? regressed[0] };
  if (
    headline !== undefined &&
    (headline.verdict === "no_change" || headline.verdict === "improvement") &&
    rows.every((c) => noMarginRegression(c, marginPct))
  )
    return { verdict: headline.verdict, comparison: headline };
  return { verdict: "undecided", comparison: headline };
};
