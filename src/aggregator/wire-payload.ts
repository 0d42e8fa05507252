import type { DatadogEvent, MetricSeries } from "../datadog/types.js";

// What --dry-run prints: the JSON bodies as they go on the wire (POST /api/v2/series, POST /api/v1/events), in
// Datadog's units (POSIX seconds) and snake_case, so a reader can compare them with Datadog's API reference.

const INTAKE_TYPE = { count: 1, rate: 2, gauge: 3 } as const;

export const seriesPayload = (series: readonly MetricSeries[]) => ({
  series: series.map((s) => ({
    metric: s.metric,
    type: INTAKE_TYPE[s.type ?? "gauge"],
    ...(s.unit ? { unit: s.unit } : {}),
    tags: s.tags,
    points: s.points.map((p) => ({ timestamp: Math.floor(p.timestampMs / 1000), value: p.value })),
  })),
});

export const eventPayload = (event: DatadogEvent) => ({
  title: event.title,
  text: event.text,
  tags: event.tags,
  ...(event.aggregationKey ? { aggregation_key: event.aggregationKey } : {}),
  ...(event.alertType ? { alert_type: event.alertType } : {}),
  ...(event.timestampMs === undefined ? {} : { date_happened: Math.floor(event.timestampMs / 1000) }),
});
