import { VERDICT_DEFAULTS } from "../config/defaults.js";
import type { Sequential } from "./sequential.js";
import type { CompareOptions } from "./types.js";

// The verdict engine's settings: its defaults (src/config/defaults.ts), and the options a caller gives merged over
// them.

export type Settings = typeof VERDICT_DEFAULTS & { metrics?: readonly string[]; sequential?: Sequential };

/** The source name of the comparison over every source at once. */
export const ALL_SOURCES = "all";

/** The defaults, overridden by the options a caller set (an option given as undefined keeps its default). */
export const settingsOf = (options: Omit<CompareOptions, "detectPctOf">): Settings => ({
  ...VERDICT_DEFAULTS,
  ...(Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as Partial<Settings>),
});
