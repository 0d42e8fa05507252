// Shapes the emulator keeps and tests read. Timestamps of points are POSIX seconds, as on Datadog's wire.

export interface StoredPoint {
  metric: string;
  /** Normalised as Datadog's intake does (lowercase except host/device values), sorted. */
  tags: string[];
  /** POSIX seconds. */
  timestamp: number;
  value: number;
  /** MetricIntakeType: 0 unspecified, 1 count, 2 rate, 3 gauge. */
  type: number;
}

export interface DroppedPoint extends StoredPoint {
  reason: "too_old" | "too_far_in_future";
}

export interface StoredEvent {
  id: number;
  title: string;
  text: string;
  tags: string[];
  alert_type?: string;
  aggregation_key?: string;
  /** POSIX seconds. */
  date_happened: number;
  priority?: string;
  source_type_name?: string;
  host?: string;
}

export interface RequestLogEntry {
  method: string;
  /** Path without the query string. */
  path: string;
  query: Record<string, string>;
  /** 0 when the emulator hung or reset the connection instead of answering. */
  status: number;
  /** Request body after Content-Encoding was undone, parsed as JSON when it is JSON. */
  body: unknown;
  /** Bytes on the wire (compressed size when Content-Encoding was set). */
  bytes: number;
  contentEncoding?: string;
  /** Bytes once Content-Encoding was undone (equal to `bytes` without it). */
  decodedBytes: number;
  /** Which credentials came with the request (the keys themselves are not kept). */
  apiKey: "valid" | "invalid" | "missing";
  appKey: "valid" | "invalid" | "missing";
}

export interface FaultSpec {
  /** Answer with this status instead of handling the request (429, 500, 502, 503...). */
  status?: number;
  /** How many matching requests the fault applies to (default 1; Infinity for all). */
  times?: number;
  /** X-RateLimit-Reset on a 429 (default 1), also sent with 5xx when set. */
  resetSeconds?: number;
  /** Wait this long before answering (with `status`, or handling the request normally). */
  delayMs?: number;
  /** Never answer (the connection stays open until the client gives up or the emulator closes). */
  hang?: boolean;
  /** Send 200, the headers and the first byte of the body, then nothing more (a stall mid-answer). */
  stall?: boolean;
  /** Destroy the socket without answering (ECONNRESET on the client). */
  reset?: boolean;
  /** Only requests whose path starts with this (e.g. "/api/v2/series"). */
  path?: string;
  method?: string;
  /** Response body for `status` (default: Datadog's `{errors: [...]}`). */
  body?: unknown;
}

export interface RateLimitSpec {
  /** Requests whose path starts with this count against the limit. */
  path: string;
  limit: number;
  periodSeconds: number;
  name?: string;
}

export interface EmulatorOptions {
  apiKey?: string;
  appKey?: string;
  /** The emulator's "now" for the timestamp window and rate-limit periods (default Date.now). */
  nowMs?: () => number;
  port?: number;
}
