import { normalUpperQuantile, studentTUpperQuantile } from "./distributions.js";
import type { Units } from "./units.js";

// How many more candidate runs would detect a detectPct change (docs/verdicts.md, "The verdict").

const POWER = 0.8;
const powerQuantile = normalUpperQuantile(1 - POWER);

// Candidate runs n with 80% power against a detectPct change: margin / (σ·√(v_b + 1/n)) ≥ t_{α/2} + z_{0.8},
// where v_b is the part of the contrast's variance factor that does not shrink with more candidate runs.
// Null when no n is enough (the baseline's own uncertainty is already too large).
export const runsForDetection = (
  alpha: number,
  units: Units,
  sigma: number,
  vBaseline: number,
  nc: number,
): number | null => {
  const k = studentTUpperQuantile(alpha / 2, 30) + powerQuantile;
  const room = (units.margin / (sigma * k)) ** 2 - Math.max(vBaseline, 0);
  if (room <= 0) return null;
  return Math.max(0, Math.ceil(1 / room) - nc);
};
