import type { Comparison, GuardName } from "./types.js";

// A comparison built in one go, its keys in the order of docs/contract.md and the JSON a report writes: one
// object literal per shape rather than spreads of partial ones (a fleet's report builds hundreds of thousands).

/** What a comparison compares: everything up to its basis. */
export type RowHead = Pick<
  Comparison,
  | "service"
  | "env"
  | "source"
  | "test"
  | "metric"
  | "direction"
  | "scale"
  | "baseline"
  | "candidate"
  | "change_points"
  | "as_of_ms"
  | "basis"
> & { endpoint?: string | undefined };

/** What it found. */
export type RowTail = Pick<
  Comparison,
  "change_pct" | "change_ci_pct" | "verdict" | "p_value" | "noise" | "runs_needed" | "reason"
> & { guards?: GuardName[] | undefined };

export const comparisonRow = (h: RowHead, t: RowTail): Comparison => {
  const row: Comparison =
    h.endpoint === undefined
      ? {
          service: h.service,
          env: h.env,
          source: h.source,
          test: h.test,
          metric: h.metric,
          direction: h.direction,
          scale: h.scale,
          baseline: h.baseline,
          candidate: h.candidate,
          change_points: h.change_points,
          as_of_ms: h.as_of_ms,
          basis: h.basis,
          change_pct: t.change_pct,
          change_ci_pct: t.change_ci_pct,
          verdict: t.verdict,
          p_value: t.p_value,
          noise: t.noise,
          runs_needed: t.runs_needed,
          reason: t.reason,
        }
      : {
          service: h.service,
          env: h.env,
          source: h.source,
          test: h.test,
          metric: h.metric,
          endpoint: h.endpoint,
          direction: h.direction,
          scale: h.scale,
          baseline: h.baseline,
          candidate: h.candidate,
          change_points: h.change_points,
          as_of_ms: h.as_of_ms,
          basis: h.basis,
          change_pct: t.change_pct,
          change_ci_pct: t.change_ci_pct,
          verdict: t.verdict,
          p_value: t.p_value,
          noise: t.noise,
          runs_needed: t.runs_needed,
          reason: t.reason,
        };
  if (t.guards !== undefined) row.guards = t.guards;
  return row;
};
