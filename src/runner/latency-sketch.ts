import { DDSketch } from "@datadog/sketches-js";
import type { RequestSample } from "./types.js";

// The latency sketch every summary of a run uses (the whole run's in client-stats.ts, each endpoint's in
// endpoint-stats.ts): same accuracy, same rules for what counts, so the two are comparable.

export const RELATIVE_ACCURACY = 0.001;

export const round = (value: number, digits = 3) => Math.round(value * 10 ** digits) / 10 ** digits;

/** A new sketch at dogdriver's accuracy. */
export const latencySketch = () => new DDSketch({ relativeAccuracy: RELATIVE_ACCURACY });

/** No response, or a 5xx: an error, kept out of the latency. */
export const isError = (sample: RequestSample): boolean =>
  sample.status === undefined || sample.status >= 500;

/** Adds a good answer's latency. DDSketch maps values <= 0 to a zero bucket, below the log's resolution. */
export const acceptLatency = (sketch: DDSketch, latencyMs: number): void =>
  sketch.accept(Math.max(latencyMs, 0.001));

/** A latency quantile of the sketch (ms, rounded), or null before the first good answer. */
export const sketchQuantile = (sketch: DDSketch, q: number): number | null => {
  if (sketch.count === 0) return null;
  // A bucket's representative value can sit just outside the samples seen: keep it within [min, max].
  return round(Math.min(sketch.max, Math.max(sketch.min, sketch.getValueAtQuantile(q))));
};
