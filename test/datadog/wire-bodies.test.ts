import { v1, v2 } from "@datadog/datadog-api-client";
import { describe, expect, it } from "vitest";
import {
  eventModel,
  scalarRequest,
  seriesModel,
  timeseriesRequest,
} from "../../src/datadog/request-bodies.js";
import { seriesPayloads } from "../../src/datadog/series-payloads.js";
import { toWire } from "../../src/datadog/wire-format.js";

// dogdriver sends its bodies as wire JSON without loading the official client; here each body is compared with
// what the client's own serializer makes of the same model (the emulator then checks them against the models on
// every aggregate and discovery test).

const queries = [
  { name: "latency_ms", query: "avg:app.latency{service:kinto}" },
  { name: "cpu_pct", query: "avg:app.cpu{service:kinto}" },
];

describe("wire bodies are the official serializer's", () => {
  it("metric series and their gzipped payload", () => {
    const model = seriesModel({
      metric: "dogdriver.run.p95_ms",
      unit: "millisecond",
      tags: ["service:kinto", "Env:Stage"],
      points: [
        { timestampMs: 1_700_000_000_123, value: 12.5 },
        { timestampMs: 1_700_000_010_000, value: 13 },
      ],
    });
    expect(toWire(model)).toEqual(v2.ObjectSerializer.serialize(model, "MetricSeries", ""));
    const [payload] = seriesPayloads([model]);
    expect(JSON.parse(payload?.json ?? "")).toEqual(
      v2.ObjectSerializer.serialize({ series: [model] }, "MetricPayload", ""),
    );
  });

  it("an event with every optional field", () => {
    const model = eventModel({
      title: "dogdriver load test finished: kinto/stage 1.2.3",
      text: "p95 12 ms",
      tags: ["service:kinto"],
      aggregationKey: "dogdriver-run-abc",
      alertType: "success",
      timestampMs: 1_700_000_000_999,
    });
    const wire = toWire(model);
    expect(wire).toEqual(v1.ObjectSerializer.serialize(model, "EventCreateRequest", ""));
    expect(wire).toMatchObject({ source_type_name: "dogdriver", aggregation_key: "dogdriver-run-abc" });
  });

  it("timeseries and scalar query requests", () => {
    const timeseries = timeseriesRequest(1_700_000_000_000, 1_700_000_600_000, queries, 10_000);
    expect(toWire(timeseries)).toEqual(
      v2.ObjectSerializer.serialize(timeseries, "TimeseriesFormulaQueryRequest", ""),
    );
    const scalar = scalarRequest(1_700_000_000_000, 1_700_000_600_000, queries, "max");
    expect(toWire(scalar)).toEqual(v2.ObjectSerializer.serialize(scalar, "ScalarFormulaQueryRequest", ""));
    expect(JSON.stringify(toWire(scalar))).toContain('"data_source":"metrics"');
  });
});
