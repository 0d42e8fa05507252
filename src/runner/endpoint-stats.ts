import type { DDSketch } from "@datadog/sketches-js";
import type { EndpointEntry } from "../store/run-record.js";
import { endpointName, OTHER_ENDPOINT } from "./endpoint-template.js";
import { acceptLatency, isError, latencySketch, sketchQuantile } from "./latency-sketch.js";
import type { RequestSample } from "./types.js";

// The run's requests per endpoint (docs/run-record.md, "Endpoints"), in bounded memory whatever the test does:
// at most MAX_TRACKED endpoints get their own counters and sketch (same accuracy and rules as the whole run's,
// client-stats.ts); requests to endpoints first seen after that count in the "other" entry at once, so a test
// walking unbounded paths cannot grow the runner. The record keeps the top N by requests and merges the rest
// into "other": DDSketches merge exactly (same mapping), so "other"'s percentiles are those of its requests.

/** Endpoints followed on their own while the run streams; each costs one sketch (a few KB to ~80 KB). */
export const MAX_TRACKED = 256;

/** Endpoints a record keeps by default (config `endpoints.max`); the rest are merged into "other". */
export const DEFAULT_MAX_ENDPOINTS = 20;

interface Tally {
  requests: number;
  errors: number;
  sketch: DDSketch;
}

const tally = (): Tally => ({ requests: 0, errors: 0, sketch: latencySketch() });

const merge = (into: Tally, from: Tally) => {
  into.requests += from.requests;
  into.errors += from.errors;
  into.sketch.merge(from.sketch);
};

const entry = (name: string, t: Tally, other: boolean): EndpointEntry => ({
  name,
  ...(other ? { other: true as const } : {}),
  requests: t.requests,
  errors: t.errors,
  latency_ms: {
    p50: sketchQuantile(t.sketch, 0.5),
    p95: sketchQuantile(t.sketch, 0.95),
    p99: sketchQuantile(t.sketch, 0.99),
  },
});

export class EndpointStats {
  private readonly tallies = new Map<string, Tally>();
  private readonly overflow = tally();

  /** Counts a sample (cancelled ones are the caller's to leave out). */
  add(sample: RequestSample): void {
    const name = endpointName(sample.method, sample.path, sample.name);
    let t = this.tallies.get(name);
    if (t === undefined && this.tallies.size < MAX_TRACKED) {
      t = tally();
      this.tallies.set(name, t);
    }
    t ??= this.overflow;
    t.requests += 1;
    if (isError(sample)) t.errors += 1;
    else acceptLatency(t.sketch, sample.latencyMs);
  }

  /**
   * The record's `client.endpoints`: the `max` endpoints with the most requests (ties by name), then "other"
   * when any request is left. No rps: an endpoint's is client.rps × its share of the requests (both over the
   * run's span), derived where it is needed rather than stored (docs/run-record.md, "Size").
   */
  summary(max: number): EndpointEntry[] {
    const ranked = [...this.tallies.entries()].sort(
      ([a, x], [b, y]) => y.requests - x.requests || (a < b ? -1 : a > b ? 1 : 0),
    );
    const other = tally();
    merge(other, this.overflow);
    for (const [, t] of ranked.slice(max)) merge(other, t);
    const top = ranked.slice(0, max).map(([name, t]) => entry(name, t, false));
    return other.requests > 0 ? [...top, entry(OTHER_ENDPOINT, other, true)] : top;
  }
}
