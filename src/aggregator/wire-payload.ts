import { eventModel, seriesModel } from "../datadog/request-bodies.js";
import type { DatadogEvent, MetricSeries } from "../datadog/types.js";

// What --dry-run prints: the JSON bodies as they go on the wire (POST /api/v2/series, POST /api/v1/events). They
// are built by the same functions the client sends (normalised tags, POSIX seconds, source type), only with the
// client model's camelCase names turned into the wire's snake_case, so a reader can compare them with Datadog's
// API reference.

const snakeCase = (model: object): Record<string, unknown> =>
  Object.fromEntries(
    Object.entries(model).map(([key, value]) => [key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), value]),
  );

export const seriesPayload = (series: readonly MetricSeries[]) => ({
  series: series.map((s) => snakeCase(seriesModel(s))),
});

export const eventPayload = (event: DatadogEvent) => snakeCase(eventModel(event));
