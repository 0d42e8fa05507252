import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalRecord, FAST_PATH_KEYS } from "../../src/store/record-fast-path.js";
import { type RunRecord, runRecordSchema } from "../../src/store/run-record.js";

// The fast path of reading a stored record must never accept what the schema refuses, nor return anything but
// what the schema would: checked on records as dogdriver writes them, and on thousands of broken variants.

const stored = gunzipSync(readFileSync(join(import.meta.dirname, "../verdicts/golden/runs.jsonl.gz")))
  .toString("utf8")
  .split("\n")
  .filter((line) => line !== "")
  .slice(0, 400)
  .map((line) => runRecordSchema.parse(JSON.parse(line)) as RunRecord);
const withEndpoints: RunRecord = {
  ...(stored[0] as RunRecord),
  schema: "dogdriver.run.v2",
  client: {
    ...(stored[0] as RunRecord).client,
    endpoints: [
      { name: "GET /items/{id}", requests: 800, errors: 1, latency_ms: { p50: 20.1, p95: 25.3, p99: null } },
      {
        name: "other",
        other: true,
        requests: 4,
        errors: 0,
        latency_ms: { p50: 1, p95: 2, p99: 3 },
        server_ms: 1.5,
      },
    ],
  },
};
const samples = [...stored, runRecordSchema.parse(withEndpoints) as RunRecord];

const schemaOutput = (value: unknown): string | undefined => {
  const parsed = runRecordSchema.safeParse(value);
  return parsed.success ? JSON.stringify(parsed.data) : undefined;
};

/** A path to a leaf or an object of the record, and a value to put there (or undefined: delete it). */
const mutation = fc.record({
  pick: fc.nat(),
  value: fc.oneof(
    fc.jsonValue(),
    fc.constantFrom(
      -1,
      0.5,
      1e300,
      "",
      "x\u001b[31m",
      "2026-02-30T00:00:00.000Z",
      "2026-01-01T00:00:00Z",
      null,
    ),
    fc.constant(undefined),
  ),
  reorder: fc.boolean(),
});

const paths = (value: unknown, prefix: (string | number)[] = []): (string | number)[][] => {
  if (typeof value !== "object" || value === null) return [prefix];
  const keys = Array.isArray(value) ? value.map((_, i) => i) : Object.keys(value);
  return [prefix, ...keys.flatMap((k) => paths((value as Record<string, unknown>)[k], [...prefix, k]))];
};

const mutate = (record: RunRecord, m: { pick: number; value: unknown; reorder: boolean }): unknown => {
  const copy = JSON.parse(JSON.stringify(record));
  const all = paths(copy).filter((p) => p.length > 0);
  const path = all[m.pick % all.length] as (string | number)[];
  let parent = copy;
  for (const key of path.slice(0, -1)) parent = parent[key];
  const last = path[path.length - 1] as string | number;
  if (m.value === undefined && !Array.isArray(parent)) delete parent[last];
  else parent[last] = m.value;
  if (m.reorder && !Array.isArray(parent)) {
    const entries = Object.entries(parent).reverse();
    for (const k of Object.keys(parent)) delete parent[k];
    for (const [k, v] of entries) parent[k] = v;
  }
  return copy;
};

describe("reading a record without the schema", () => {
  it("takes every record as dogdriver writes it, unchanged", () => {
    for (const record of samples) {
      const fast = canonicalRecord(JSON.parse(JSON.stringify(record)));
      expect(fast).toBeDefined();
      expect(JSON.stringify(fast)).toBe(schemaOutput(record));
    }
  });

  it("never takes what the schema refuses, nor gives what it would not", () => {
    fc.assert(
      fc.property(fc.nat(samples.length - 1), mutation, (index, m) => {
        const value = mutate(samples[index] as RunRecord, m);
        const fast = canonicalRecord(value);
        if (fast === undefined) return true;
        // Accepted by the fast path: the schema accepts it too, and returns the same document, keys in order.
        expect(JSON.stringify(fast)).toBe(schemaOutput(value));
        return true;
      }),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 3000) },
    );
  });
});

describe("the fast path's times", () => {
  it("takes a time exactly when toISOString would write it back unchanged", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 9999 }),
        fc.integer({ min: 0, max: 13 }),
        fc.integer({ min: 0, max: 32 }),
        fc.integer({ min: 0, max: 24 }),
        fc.integer({ min: 0, max: 60 }),
        (year, month, day, hour, minute) => {
          const pad = (n: number, w = 2) => String(n).padStart(w, "0");
          const time = `${pad(year, 4)}-${pad(month)}-${pad(day)}T${pad(hour)}:${pad(minute)}:${pad(minute)}.123Z`;
          const record = JSON.parse(JSON.stringify(samples[0]));
          record.started_at = "0000-01-01T00:00:00.000Z";
          record.ended_at = time;
          const date = new Date(time);
          const real = !Number.isNaN(date.getTime()) && date.toISOString() === time;
          expect(canonicalRecord(record) !== undefined).toBe(real);
          // What it takes, the schema takes.
          if (real) expect(runRecordSchema.safeParse(record).success).toBe(true);
        },
      ),
      { numRuns: 3000 },
    );
  });
});

describe("the fast path's keys", () => {
  // A field added to runRecordSchema and not here would be read as an unknown key: kept as it is, never checked
  // (an outside text field would skip safeText). Each shape lists exactly the schema's keys, in its order.
  const keys = (schema: { shape: Record<string, unknown> }) => Object.keys(schema.shape);
  const inner = <T>(schema: { unwrap(): T }): T => schema.unwrap();
  const record = runRecordSchema;
  const client = record.shape.client;
  const endpoint = inner(client.shape.endpoints).element;

  it("are runRecordSchema's, shape by shape, in its order", () => {
    expect({
      record: keys(record),
      client: keys(client),
      latency: keys(client.shape.latency_ms),
      endpoint: keys(endpoint),
      endpointLatency: keys(endpoint.shape.latency_ms),
      runner: keys(inner(record.shape.runner)),
    }).toEqual(FAST_PATH_KEYS);
  });
});
