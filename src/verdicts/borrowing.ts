import { comparisonRow } from "./comparison-row.js";
import type { Comparison } from "./types.js";

/**
 * A source's row that its own runs cannot decide, answered by the all-sources comparison (docs/verdicts.md,
 * "Borrowing across sources"), or undefined when it stands alone. The all-sources fit compares the releases
 * through every source, each with its own level learnt from the whole history, and the model has one release
 * effect for every source: a source with one baseline run still has a known level. Borrowed only when the
 * row's own runs do not contradict that common change (its own interval, when it has one, holds the estimate)
 * and the candidate ran there.
 */
export const borrowed = (row: Comparison, all: Comparison): Comparison | undefined => {
  if (row.verdict !== "insufficient_data" || all.verdict === "insufficient_data") return undefined;
  if (row.candidate.runs === 0 || all.change_pct === null) return undefined;
  const ownInterval = row.change_ci_pct;
  if (ownInterval !== null && (all.change_pct < ownInterval[0] || all.change_pct > ownInterval[1]))
    return undefined;
  return comparisonRow(
    { ...row, basis: "all_sources" },
    {
      change_pct: all.change_pct,
      change_ci_pct: all.change_ci_pct,
      verdict: all.verdict,
      p_value: all.p_value,
      noise: all.noise,
      runs_needed: null,
      reason: `all sources: ${all.reason} (this source alone: ${row.reason})`,
      guards: all.guards ?? row.guards,
    },
  );
};
