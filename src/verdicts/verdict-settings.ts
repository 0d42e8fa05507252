import type { Sequential } from "./sequential.js";
import type { CompareOptions } from "./types.js";

// The verdict engine's settings: its defaults, and the options a caller gives merged over them.

/** The defaults of CompareOptions (the report's footnotes quote them). */
export const VERDICT_DEFAULTS = {
  alpha: 0.0075,
  thresholdPct: 3,
  detectPct: 10,
  minRuns: 3,
  combineSources: true,
  changePoints: true,
  endpoints: true,
};

export type Settings = typeof VERDICT_DEFAULTS & { metrics?: readonly string[]; sequential?: Sequential };

/** The source name of the comparison over every source at once. */
export const ALL_SOURCES = "all";

/** The defaults, overridden by the options a caller set (an option given as undefined keeps its default). */
export const settingsOf = (options: Omit<CompareOptions, "detectPctOf">): Settings => ({
  ...VERDICT_DEFAULTS,
  ...(Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as Partial<Settings>),
});
