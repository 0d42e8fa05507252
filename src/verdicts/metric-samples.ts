import { type HistoryColumns, RunKind } from "./history-columns.js";
import type { Scale } from "./types.js";
import { float64Buffer, int32Buffer, uint8Buffer } from "./workspace.js";

// The runs of one metric that a comparison sees (its samples), as columns: the usable runs that have a value,
// the newest MAX_RUNS_COMPARED of the baseline and the candidate and the newest MAX_RUNS_HISTORY of each older
// release, release after release, oldest first within a release.

// The baseline and the candidate keep many (they decide the verdict); older releases only teach the noise and
// the source levels, for which 40 runs each are plenty. Keeps a 100,000-run store's report fast.
const MAX_RUNS_COMPARED = 300;
const MAX_RUNS_HISTORY = 40;

export interface MetricSamples {
  /** Samples in all; sample j is of release `release[j]` (ascending). */
  n: number;
  /** Releases (the history's recent ones); those of release i are releaseStart[i] up to releaseStart[i + 1]. */
  releases: number;
  releaseStart: Int32Array;
  release: Int32Array;
  source: Int32Array;
  startedMs: Float64Array;
  raw: Float64Array;
  /** log(raw) or raw, by the scale. */
  x: Float64Array;
  scale: Scale;
  /** 1: a noisy-neighbour outlier (sample-noise.ts). */
  outlier: Uint8Array;
  /** 1: an outlier on the better side (faster; more requests per second), which noisy neighbours never cause. */
  better: Uint8Array;
}

/** The buffers one engine's samples live in, reused by every metric. */
export interface SampleBuffers {
  releaseStart: ReturnType<typeof int32Buffer>;
  release: ReturnType<typeof int32Buffer>;
  source: ReturnType<typeof int32Buffer>;
  startedMs: ReturnType<typeof float64Buffer>;
  raw: ReturnType<typeof float64Buffer>;
  x: ReturnType<typeof float64Buffer>;
  outlier: ReturnType<typeof uint8Buffer>;
  better: ReturnType<typeof uint8Buffer>;
}

export const sampleBuffers = (): SampleBuffers => ({
  releaseStart: int32Buffer(),
  release: int32Buffer(),
  source: int32Buffer(),
  startedMs: float64Buffer(),
  raw: float64Buffer(),
  x: float64Buffer(),
  outlier: uint8Buffer(),
  better: uint8Buffer(),
});

/**
 * The samples of a metric whose value in each run is `values` (NaN: none), at the sources `keep` accepts (all by
 * default), or undefined when neither the baseline nor the candidate has one. The views stay valid until the
 * buffers' next use.
 */
export const metricSamples = (
  columns: HistoryColumns,
  values: Float64Array,
  buffers: SampleBuffers,
  keep?: (source: number) => boolean,
): MetricSamples | undefined => {
  const releases = columns.recent.length;
  const runStart = columns.releaseStart;
  const usable = (k: number) =>
    columns.kind[k] === RunKind.usable &&
    !Number.isNaN(values[k] as number) &&
    (keep === undefined || keep(columns.source[k] as number));
  // First pass: how many samples each release keeps, and from which run they start.
  const releaseStart = buffers.releaseStart.view(releases + 1);
  const firstRun = new Int32Array(releases);
  releaseStart[0] = 0;
  for (let i = 0; i < releases; i++) {
    const cap = i >= releases - 2 ? MAX_RUNS_COMPARED : MAX_RUNS_HISTORY;
    let count = 0;
    let k = runStart[i + 1] as number;
    while (k > (runStart[i] as number) && count < cap) if (usable(--k)) count++;
    firstRun[i] = k;
    releaseStart[i + 1] = (releaseStart[i] as number) + count;
  }
  const n = releaseStart[releases] as number;
  const b = releases - 2;
  if ((releaseStart[releases] as number) === (releaseStart[b] as number)) return undefined;
  const release = buffers.release.view(n);
  const source = buffers.source.view(n);
  const startedMs = buffers.startedMs.view(n);
  const raw = buffers.raw.view(n);
  let positive = true;
  for (let i = 0; i < releases; i++) {
    let j = releaseStart[i] as number;
    for (let k = firstRun[i] as number; k < (runStart[i + 1] as number); k++) {
      if (!usable(k)) continue;
      release[j] = i;
      source[j] = columns.source[k] as number;
      startedMs[j] = columns.startedMs[k] as number;
      const value = values[k] as number;
      raw[j] = value;
      if (!(value > 0)) positive = false;
      j++;
    }
  }
  const scale: Scale = positive ? "log" : "linear";
  const x = buffers.x.view(n);
  for (let j = 0; j < n; j++) x[j] = scale === "log" ? Math.log(raw[j] as number) : (raw[j] as number);
  return {
    n,
    releases,
    releaseStart,
    release,
    source,
    startedMs,
    raw,
    x,
    scale,
    outlier: buffers.outlier.view(n).fill(0),
    better: buffers.better.view(n).fill(0),
  };
};
