import { round, roundP } from "./rounding.js";
import type { Scale } from "./types.js";
import type { Settings } from "./verdict-settings.js";

// How a comparison's shift (a log-ratio, or a difference for linear metrics) reads as a change, and the sizes
// that count: the practical threshold and the equivalence margin of "no change".

// Error rates are often exactly 0, so a relative change means little: a change must also be this many absolute
// units (0.1 percentage point) to count, and "no_change" tolerates ±0.5 point.
const ABSOLUTE: Record<string, { threshold: number; margin: number }> = {
  "client.error_rate": { threshold: 0.001, margin: 0.005 },
};

// Below 0.1% a p95 difference is rounding in the load tester; the floor also keeps constant series finite.
export const LOG_SIGMA_FLOOR = 0.001;
const LINEAR_SIGMA_FLOOR = 1e-9;

export interface Units {
  /** Shift (log-ratio or difference) to percent of the baseline; null when the baseline is 0. */
  pct: (shift: number) => number | null;
  /** Smallest |shift| that counts as a change. */
  threshold: number;
  /** Largest |shift| that "no_change" allows (the detectPct change). */
  margin: number;
}

export const unitsOf = (scale: Scale, metric: string, s: Settings, baselineMedian: number | null): Units => {
  if (scale === "log")
    return {
      pct: (d) => 100 * (Math.exp(d) - 1),
      threshold: Math.log(1 + s.thresholdPct / 100),
      margin: Math.log(1 + s.detectPct / 100),
    };
  const level = Math.abs(baselineMedian ?? 0);
  const absolute = ABSOLUTE[metric] ?? { threshold: 0, margin: 0 };
  return {
    pct: (d) => (level > 0 ? (100 * d) / level : null),
    threshold: Math.max((s.thresholdPct / 100) * level, absolute.threshold, LINEAR_SIGMA_FLOOR),
    margin: Math.max((s.detectPct / 100) * level, absolute.margin, 10 * LINEAR_SIGMA_FLOOR),
  };
};

/** The floor under a fitted σ: log-scale metrics are never steadier than 0.1%. */
export const sigmaFloor = (scale: Scale): number => (scale === "log" ? LOG_SIGMA_FLOOR : LINEAR_SIGMA_FLOOR);

/** The run-to-run noise as a comparison reports it: percent for log-scale metrics, metric units otherwise. */
export const noiseOf = (scale: Scale, sigma: number): number | null =>
  Number.isNaN(sigma) ? null : scale === "log" ? round(100 * (Math.exp(sigma) - 1), 2) : sigma;

export const describeChange = (pct: number | null, shift: number): string =>
  pct === null ? `${shift >= 0 ? "+" : ""}${round(shift, 6)}` : `${pct >= 0 ? "+" : ""}${round(pct, 1)}%`;

export const formatP = (p: number): string => (p < 0.0001 ? "<0.0001" : String(roundP(p)));
