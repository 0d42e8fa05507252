import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeRecord, encodeRecord } from "../../src/store/record-codec.js";
import { recordText } from "../../src/store/record-text.js";
import type { EndpointEntry } from "../../src/store/run-record.js";
import { sampleRun } from "./fixtures.js";

const endpoint = (name: string, requests: number): EndpointEntry => ({
  name,
  requests,
  errors: 1,
  latency_ms: { p50: 20.125, p95: 25.5, p99: 31.75 },
});

describe("the stored text of a record", () => {
  it("is JSON.stringify's two-space indentation for a record without endpoints (every v1 record)", () => {
    const v1 = sampleRun();
    expect(encodeRecord(v1)).toBe(`${JSON.stringify(v1, null, 2)}\n`);
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(recordText(value)).toBe(`${JSON.stringify(value, null, 2)}\n`);
      }),
    );
  });

  it("puts each endpoint entry on one line, and reads back the same record", () => {
    const record = sampleRun({
      schema: "dogdriver.run.v2",
      client: {
        ...sampleRun().client,
        endpoints: [endpoint("POST /api/cart", 900), { ...endpoint("other", 20), other: true }],
      },
    });
    const text = encodeRecord(record);
    expect(text).toContain(
      '    "endpoints": [\n      {"name":"POST /api/cart","requests":900,"errors":1,"latency_ms":{"p50":20.125,"p95":25.5,"p99":31.75}},\n      {"name":"other","requests":20,',
    );
    expect(text.split("\n").filter((l) => l.includes('"name"'))).toHaveLength(2);
    expect(decodeRecord(text, "test")).toEqual(record);
    // Everything else keeps its indentation.
    expect(text).toContain('\n  "client": {\n    "requests": 1234,\n');
    expect(text).toContain('\n    "latency_ms": {\n      "p50": 41.2,\n');
  });

  it("refuses a record naming an endpoint twice", () => {
    const record = sampleRun({
      schema: "dogdriver.run.v2",
      client: { ...sampleRun().client, endpoints: [endpoint("GET /a", 2), endpoint("GET /a", 1)] },
    });
    expect(() => decodeRecord(JSON.stringify(record), "x.json")).toThrow(
      /x\.json: not a valid dogdriver\.run\.v1 or dogdriver\.run\.v2 record: client\.endpoints: expected each endpoint name once/,
    );
  });
});
