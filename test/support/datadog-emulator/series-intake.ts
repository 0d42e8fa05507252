import { v2 } from "@datadog/datadog-api-client";
import { errorReply, type Reply } from "./http-io.js";
import { intakeMetricName, intakeTags } from "./intake-names.js";
import { hasUnparsed, modelError } from "./model-check.js";
import type { DroppedPoint, StoredPoint } from "./types.js";

// POST /api/v2/series. Limits from the submitMetrics JSDoc (docs api/latest/metrics#submit-metrics): 500 KB
// (512000 bytes) per payload, compressed payloads must decompress to under 5 MB (5242880 bytes). Points more than
// one hour old or more than ten minutes ahead are not ingested, yet the request still gets 202.

export const SERIES_MAX_PAYLOAD_BYTES = 512_000;
export const SERIES_MAX_DECOMPRESSED_BYTES = 5_242_880;
export const MAX_PAST_SECONDS = 3600;
export const MAX_FUTURE_SECONDS = 600;

export interface SeriesStore {
  store(point: StoredPoint): void;
  drop(point: DroppedPoint): void;
}

export const acceptSeries = (body: unknown, nowMs: number, target: SeriesStore): Reply => {
  let payload: v2.MetricPayload;
  try {
    payload = v2.ObjectSerializer.deserialize(body, "MetricPayload", "") as v2.MetricPayload;
  } catch (error) {
    return errorReply(400, `Invalid payload: ${modelError(error)}`);
  }
  if (hasUnparsed(payload))
    return errorReply(400, "Invalid payload: a value is not one of the allowed values");
  const nowSeconds = nowMs / 1000;
  for (const series of payload.series) {
    if (series.metric.trim() === "") return errorReply(400, "Invalid payload: metric name is empty");
    for (const point of series.points) {
      if (!Number.isFinite(point.timestamp) || !Number.isFinite(point.value)) {
        return errorReply(400, "Invalid payload: point timestamp and value must be numbers");
      }
    }
  }
  for (const series of payload.series) {
    const metric = intakeMetricName(series.metric);
    const tags = intakeTags([
      ...(series.tags ?? []),
      ...(series.resources ?? []).filter((r) => r.type === "host").map((r) => `host:${r.name}`),
    ]);
    for (const point of series.points) {
      const stored = {
        metric,
        tags,
        timestamp: Math.floor(point.timestamp ?? 0),
        value: point.value ?? 0,
        type: Number(series.type ?? 0),
      };
      if (stored.timestamp < nowSeconds - MAX_PAST_SECONDS) target.drop({ ...stored, reason: "too_old" });
      else if (stored.timestamp > nowSeconds + MAX_FUTURE_SECONDS) {
        target.drop({ ...stored, reason: "too_far_in_future" });
      } else target.store(stored);
    }
  }
  return { status: 202, body: { errors: [] } };
};
