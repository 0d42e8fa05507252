import type { HistoryColumns } from "./history-columns.js";
import type { MetricSamples, SampleBuffers } from "./metric-samples.js";
import { sampleBuffers } from "./metric-samples.js";
import type { ChangePointBuffers } from "./release-change-points.js";
import { changePointBuffers } from "./release-change-points.js";
import type { NoiseBuffers } from "./sample-noise.js";
import { noiseBuffers } from "./sample-noise.js";
import { type FitBuffers, fitBuffers } from "./two-way-fit.js";
import type { Direction } from "./types.js";
import type { Settings } from "./verdict-settings.js";
import { type Float64Buffer, float64Buffer, type Uint8Buffer, uint8Buffer } from "./workspace.js";

// What every comparison of one metric of one history shares, and the buffers an engine reuses for all of them.

/** Readings alive at once in a comparison: the main one and one per guard. */
const READINGS = 5;

export interface EngineBuffers {
  values: Float64Buffer;
  samples: SampleBuffers;
  noise: NoiseBuffers;
  /** One location's own samples and noise, beside the joint ones (compare-metric.ts). */
  own: { samples: SampleBuffers; noise: NoiseBuffers };
  changePoints: ChangePointBuffers;
  /** One mask per reading: 1 for the samples it fits. */
  masks: Uint8Buffer[];
  baselineDeviations: Float64Buffer;
  candidateDeviations: Float64Buffer;
  /** Pairwise differences, and values to take a median of. */
  pairs: Float64Buffer;
  fit: FitBuffers;
}

export const engineBuffers = (): EngineBuffers => ({
  values: float64Buffer(),
  samples: sampleBuffers(),
  noise: noiseBuffers(),
  own: { samples: sampleBuffers(), noise: noiseBuffers() },
  changePoints: changePointBuffers(),
  masks: Array.from({ length: READINGS }, uint8Buffer),
  baselineDeviations: float64Buffer(),
  candidateDeviations: float64Buffer(),
  pairs: float64Buffer(),
  fit: fitBuffers(),
});

export interface MetricContext {
  columns: HistoryColumns;
  metric: string;
  /** Set for one endpoint's comparisons (endpoint-values.ts). */
  endpoint: string | undefined;
  direction: Direction;
  settings: Settings;
  samples: MetricSamples;
  /** Within-release robust noise, for the outlier rule and when no fit is possible. */
  withinSigma: number;
  buffers: EngineBuffers;
  /** The baseline's and the candidate's release numbers (the last two of the recent releases). */
  b: number;
  a: number;
}

/** The runs a comparison looks at: one source's (by number), or every source's (`id` -1). */
export interface Subset {
  id: number;
  name: string;
}

/** Whether sample j is in the subset. */
export const inSubset = (c: MetricContext, subset: Subset, j: number): boolean =>
  subset.id < 0 || c.samples.source[j] === subset.id;
