import { eventModel, seriesModel } from "../datadog/request-bodies.js";
import type { DatadogEvent, MetricSeries } from "../datadog/types.js";
import { toWire } from "../datadog/wire-format.js";

// What --dry-run prints: the JSON bodies as they go on the wire (POST /api/v2/series, POST /api/v1/events). They
// are built by the same functions the client sends (normalised tags, POSIX seconds, source type) and turned into
// the wire's snake_case by the same toWire, so a reader can compare them with Datadog's API reference.

export const seriesPayload = (series: readonly MetricSeries[]) => ({
  series: series.map((s) => toWire(seriesModel(s))),
});

export const eventPayload = (event: DatadogEvent) => toWire(eventModel(event));
