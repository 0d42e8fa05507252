// Datadog's limits, each with its source. Callers use these to avoid sending what Datadog would refuse or drop.

/** POST /api/v2/series: "maximum payload size is 500 kilobytes (512000 bytes)" (submitMetrics docs). */
export const SERIES_MAX_COMPRESSED_BYTES = 512_000;
/** "Compressed payloads must have a decompressed size of less than 5 megabytes (5242880 bytes)" (same docs). */
export const SERIES_MAX_UNCOMPRESSED_BYTES = 5_242_880;

/** Points more than one hour old are not ingested (MetricSeries.points docs, docs metrics/custom_metrics)... */
export const POINT_MAX_PAST_MS = 3_600_000;
/** ...nor points more than ten minutes in the future. Datadog still answers 202 for the request. */
export const POINT_MAX_FUTURE_MS = 600_000;

/** Metric names: at most 200 characters (docs metrics/custom_metrics#naming-custom-metrics). */
export const METRIC_NAME_MAX_LENGTH = 200;
/** Tags: at most 200 characters (docs getting_started/tagging#define-tags). */
export const TAG_MAX_LENGTH = 200;

/** v1 events: text up to 4000 characters, aggregation_key up to 100, date_happened at most 18 hours old. */
export const EVENT_TEXT_MAX_LENGTH = 4000;
export const EVENT_AGGREGATION_KEY_MAX_LENGTH = 100;
export const EVENT_MAX_AGE_MS = 18 * 3_600_000;
