import type { Comparison } from "./types.js";
import { formatP } from "./units.js";

// A service with 30 endpoints must not alarm 30 times more often than one with a single endpoint. The endpoint
// comparisons of one release at one source row (every endpoint, every endpoint metric) are one family, and a
// regression or improvement among them stands only when Holm's step-down procedure at the verdicts' α keeps it
// (S. Holm, "A simple sequentially rejective multiple test procedure", Scand. J. Statist. 6, 1979): the chance
// that any of them is a false alarm stays at α, whatever the number of endpoints and however their metrics are
// correlated. Holm rejects everything Bonferroni does and more, with no assumption on the dependence.

/** The endpoint comparisons with Holm's correction applied per source row; others pass through unchanged. */
export const holmCorrected = (comparisons: readonly Comparison[], alpha: number): Comparison[] => {
  const families = new Map<string, number[]>();
  comparisons.forEach((c, i) => {
    if (c.endpoint === undefined || c.p_value === null) return;
    const list = families.get(c.source);
    if (list === undefined) families.set(c.source, [i]);
    else list.push(i);
  });
  const out = [...comparisons];
  for (const members of families.values()) {
    const m = members.length;
    const byP = [...members].sort(
      (x, y) => (comparisons[x]?.p_value as number) - (comparisons[y]?.p_value as number),
    );
    // Step down: the k-th smallest p is tested at α / (m - k); the first that fails stops every later one.
    let holds = true;
    byP.forEach((i, k) => {
      const c = comparisons[i] as Comparison;
      const level = alpha / (m - k);
      holds = holds && (c.p_value as number) < level;
      if (holds || (c.verdict !== "regression" && c.verdict !== "improvement")) return;
      out[i] = {
        ...c,
        verdict: "insufficient_data",
        runs_needed: null,
        reason: `${c.reason}; but not once the ${m} endpoint comparisons of this release are tested together (Holm: p=${formatP(c.p_value as number)} is not below ${formatP(level)})`,
      };
    });
  }
  return out;
};
