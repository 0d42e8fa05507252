import type { LatencySummary, RunRecord } from "../store/run-record.js";
import { safeText } from "../text/safe-text.js";
import { DEFAULT_MAX_ENDPOINTS, EndpointStats } from "./endpoint-stats.js";
import { acceptLatency, isError, latencySketch, round, sketchQuantile } from "./latency-sketch.js";
import type { RequestSample, ScenarioSteps } from "./types.js";

// Summarises request samples as they stream in, in constant memory.
// Percentiles come from a DDSketch (Masson, Rim & Lee, "DDSketch: a fast and fully-mergeable quantile sketch
// with relative-error guarantees", VLDB 2019) with 0.1% relative accuracy: a reported p95 of 80 ms is within
// 0.08 ms of the true p95 of the samples, in about 10,000 buckets for 1 µs to 5 minutes. max and mean are exact. Latency is summarised over requests that got a
// non-error answer: a refused connection takes ~1 ms and would drag the percentiles down.
// A request is an error when no response arrived or the status is 5xx; requests molotov cancelled at shutdown
// are neither counted nor summarised (they were cut by the runner, not answered by the service).

const MAX_ERROR_KINDS = 20;
/** Distinct messages of failed scenario runs kept for the record and the report. */
const MAX_FAILURE_MESSAGES = 5;

export type ClientBlock = RunRecord["client"];

/** What the errors were, for a failed run's reason: "HTTP 500" or the exception, with counts. */
const errorKind = (sample: RequestSample) =>
  sample.status === undefined ? (sample.error ?? "no response") : `HTTP ${sample.status}`;

export class ClientStats {
  /** `maxEndpoints`: endpoints the record keeps on their own (config endpoints.max), the rest in "other". */
  constructor(private readonly maxEndpoints = DEFAULT_MAX_ENDPOINTS) {}

  requests = 0;
  errors = 0;
  cancelled = 0;
  /** Scenario runs that raised (the extension's #failure lines). */
  failures = 0;
  /** The first few distinct messages of failed scenario runs. */
  readonly failureMessages: string[] = [];
  private readonly sketch = latencySketch();
  private readonly endpoints = new EndpointStats();
  private readonly statuses = new Map<string, number>();
  private readonly errorKinds = new Map<string, number>();
  private firstStartMs = Number.POSITIVE_INFINITY;
  private lastEndMs = Number.NEGATIVE_INFINITY;

  add(sample: RequestSample): void {
    if (sample.error === "cancelled") {
      this.cancelled += 1;
      return;
    }
    this.requests += 1;
    this.firstStartMs = Math.min(this.firstStartMs, sample.startedAtMs);
    this.lastEndMs = Math.max(this.lastEndMs, sample.startedAtMs + sample.latencyMs);
    const status = sample.status === undefined ? "error" : String(sample.status);
    this.statuses.set(status, (this.statuses.get(status) ?? 0) + 1);
    if (isError(sample)) {
      this.errors += 1;
      const kind = errorKind(sample);
      if (this.errorKinds.has(kind) || this.errorKinds.size < MAX_ERROR_KINDS)
        this.errorKinds.set(kind, (this.errorKinds.get(kind) ?? 0) + 1);
    } else acceptLatency(this.sketch, sample.latencyMs);
    this.endpoints.add(sample);
  }

  /** A scenario run raised: counted, and its message kept when it is one of the first few distinct ones. */
  addFailure(raw: string): void {
    this.failures += 1;
    // A test's own text: stored and printed only in the safe set (src/text/safe-text.ts).
    const message = safeText(raw);
    if (this.failureMessages.length < MAX_FAILURE_MESSAGES && !this.failureMessages.includes(message))
      this.failureMessages.push(message);
  }

  /** A latency quantile so far (ms), or null before the first good answer. */
  quantile(q: number): number | null {
    return sketchQuantile(this.sketch, q);
  }

  /** The most frequent error kinds, most frequent first: "412× HTTP 500; 3× ClientConnectorError: ...". */
  topErrors(limit = 3): string {
    return [...this.errorKinds.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(([kind, n]) => `${n}× ${kind}`)
      .join("; ");
  }

  /**
   * The record's `client` block. rps is over the span from the first request's start to the last one's end.
   * error_rate covers both ways a test fails: the share of requests that failed, or the share of scenario runs
   * that raised, whichever is higher (a scenario asserting on a 500 fails both ways, once).
   */
  summary(steps?: ScenarioSteps): ClientBlock {
    const spanS = (this.lastEndMs - this.firstStartMs) / 1000;
    const good = this.sketch.count;
    const latency: LatencySummary = {
      p50: this.quantile(0.5),
      p75: this.quantile(0.75),
      p90: this.quantile(0.9),
      p95: this.quantile(0.95),
      p99: this.quantile(0.99),
      max: good === 0 ? null : round(this.sketch.max),
      mean: good === 0 ? null : round(this.sketch.sum / good),
    };
    const runs = steps === undefined ? 0 : steps.ok + Math.max(steps.failed, this.failures);
    const requestShare = this.requests === 0 ? 0 : this.errors / this.requests;
    const failureShare = runs === 0 ? 0 : this.failures / runs;
    return {
      requests: this.requests,
      errors: this.errors,
      error_rate: round(Math.max(requestShare, failureShare), 6),
      ...(steps === undefined
        ? {}
        : {
            scenario_runs: runs,
            failures: this.failures,
            ...(this.failureMessages.length ? { failure_messages: [...this.failureMessages] } : {}),
          }),
      rps: this.requests > 1 && spanS > 0 ? round(this.requests / spanS, 2) : 0,
      latency_ms: latency,
      statuses: Object.fromEntries([...this.statuses.entries()].sort()),
      endpoints: this.endpoints.summary(this.maxEndpoints),
    };
  }
}
