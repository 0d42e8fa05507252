import type { v1, v2 } from "@datadog/datadog-api-client";
import { DogdriverError } from "../errors.js";
import { EVENT_AGGREGATION_KEY_MAX_LENGTH, EVENT_TEXT_MAX_LENGTH } from "./limits.js";
import { checkMetricName, normaliseTags } from "./metric-names.js";
import type { DatadogEvent, MetricSeries, NamedQuery } from "./types.js";

// Domain values to the official client's models. Units change here and only here: dogdriver speaks milliseconds,
// series points and event dates go to Datadog in POSIX seconds, v2 query windows stay in milliseconds.

// MetricIntakeType: 1 count, 2 rate, 3 gauge (v2/models/MetricIntakeType).
const intakeType = { count: 1, rate: 2, gauge: 3 } as const;

export const seriesModel = (s: MetricSeries): v2.MetricSeries => ({
  metric: checkMetricName(s.metric),
  type: intakeType[s.type ?? "gauge"],
  tags: normaliseTags(s.tags),
  ...(s.unit ? { unit: s.unit } : {}),
  points: s.points.map((p) => {
    if (!Number.isFinite(p.value) || !Number.isFinite(p.timestampMs)) {
      throw new DogdriverError(
        "invalid_input",
        `metric ${s.metric}: expected finite numbers for a point, got value ${p.value} at ${p.timestampMs}`,
      );
    }
    return { timestamp: Math.floor(p.timestampMs / 1000), value: p.value };
  }),
});

export const eventModel = (e: DatadogEvent): v1.EventCreateRequest => {
  if (e.text.length > EVENT_TEXT_MAX_LENGTH) {
    throw new DogdriverError(
      "invalid_input",
      `event "${e.title}": text is ${e.text.length} characters, Datadog takes at most ${EVENT_TEXT_MAX_LENGTH}`,
    );
  }
  if (e.aggregationKey && e.aggregationKey.length > EVENT_AGGREGATION_KEY_MAX_LENGTH) {
    throw new DogdriverError(
      "invalid_input",
      `event "${e.title}": aggregation key is ${e.aggregationKey.length} characters, Datadog takes at most ${EVENT_AGGREGATION_KEY_MAX_LENGTH}`,
    );
  }
  return {
    title: e.title,
    text: e.text,
    tags: normaliseTags(e.tags),
    sourceTypeName: "dogdriver",
    ...(e.aggregationKey ? { aggregationKey: e.aggregationKey } : {}),
    ...(e.alertType ? { alertType: e.alertType } : {}),
    ...(e.timestampMs === undefined ? {} : { dateHappened: Math.floor(e.timestampMs / 1000) }),
  };
};

export const timeseriesRequest = (
  fromMs: number,
  toMs: number,
  queries: readonly NamedQuery[],
  intervalMs?: number,
): v2.TimeseriesFormulaQueryRequest => ({
  data: {
    type: "timeseries_request",
    attributes: {
      from: fromMs,
      to: toMs,
      ...(intervalMs === undefined ? {} : { interval: intervalMs }),
      queries: queries.map((q) => ({ dataSource: "metrics", name: q.name, query: q.query })),
    },
  },
});

export const scalarRequest = (
  fromMs: number,
  toMs: number,
  queries: readonly NamedQuery[],
  aggregator: v2.MetricsAggregator,
): v2.ScalarFormulaQueryRequest => ({
  data: {
    type: "scalar_request",
    attributes: {
      from: fromMs,
      to: toMs,
      queries: queries.map((q) => ({ dataSource: "metrics", name: q.name, query: q.query, aggregator })),
    },
  },
});
