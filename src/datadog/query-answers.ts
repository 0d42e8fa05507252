import { DogdriverError } from "../errors.js";
import { safeText } from "../text/safe-text.js";
import type { NamedQuery, ScalarResult, TimeseriesResult } from "./types.js";
import { GarbledAnswer, wireObject, wireStrings } from "./wire-format.js";

// Datadog's v2 query answers, as JSON on the wire (snake_case: query_index, group_tags), to dogdriver's shapes.
// Without formulas, series[i].query_index points into the queries sent. A query Datadog answered with an error,
// or with several groups where one number is needed, comes from the configuration and fails the same way every
// time: invalid_config, never worth a retry. An answer of another shape is GarbledAnswer.

const queryError = (errors: unknown, queries: readonly NamedQuery[]) =>
  new DogdriverError(
    "invalid_config",
    `Datadog could not answer the queries ${queries.map((q) => `${q.name} (${q.query})`).join(", ")}: ${safeText(String(errors), 500)}`,
  );

const isValue = (v: unknown): v is number | null =>
  v === null || (typeof v === "number" && Number.isFinite(v));

/** A list of numbers-or-nulls, or GarbledAnswer naming `field`. */
const values = (value: unknown, field: string): (number | null)[] => {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every(isValue))
    throw new GarbledAnswer(`${field} is not a list of numbers`);
  return value;
};

/** data.attributes of an answer (undefined when Datadog sent none: no data), after its `errors`. */
const attributesOf = (answer: unknown, queries: readonly NamedQuery[]) => {
  const body = wireObject(answer);
  if (!body) throw new GarbledAnswer("not a JSON object");
  if (body.errors !== undefined && body.errors !== null && body.errors !== "")
    throw queryError(body.errors, queries);
  return wireObject(wireObject(body.data)?.attributes);
};

export const timeseriesResult = (answer: unknown, queries: readonly NamedQuery[]): TimeseriesResult => {
  const attributes = attributesOf(answer, queries);
  const timesMs = values(attributes?.times, "data.attributes.times").map((t) => t ?? Number.NaN);
  if (timesMs.some(Number.isNaN)) throw new GarbledAnswer("data.attributes.times holds a null");
  const series = attributes?.series ?? [];
  const rows = attributes?.values ?? [];
  if (!Array.isArray(series) || !Array.isArray(rows))
    throw new GarbledAnswer("data.attributes.series or .values is not a list");
  return {
    series: series.map((item, i) => {
      const s = wireObject(item);
      const index = typeof s?.query_index === "number" ? s.query_index : 0;
      return {
        name: queries[index]?.name ?? `query${index}`,
        groupTags: wireStrings(s?.group_tags),
        timesMs,
        values: values(rows[i], `data.attributes.values[${i}]`),
      };
    }),
  };
};

export const scalarResult = (answer: unknown, queries: readonly NamedQuery[]): ScalarResult => {
  const columns = attributesOf(answer, queries)?.columns ?? [];
  if (!Array.isArray(columns)) throw new GarbledAnswer("data.attributes.columns is not a list");
  const found: Record<string, number | null> = {};
  for (const q of queries) found[q.name] = null;
  for (const item of columns) {
    const column = wireObject(item);
    if (column?.type !== "number") continue;
    const numbers = values(column.values, "a number column's values");
    const name = typeof column.name === "string" ? column.name : "";
    if (numbers.length > 1) {
      const query = queries.find((q) => q.name === name)?.query ?? safeText(name, 100);
      throw new DogdriverError(
        "invalid_config",
        `query ${safeText(name, 100)} (${query}) answered ${numbers.length} groups; dogdriver needs one number per query (drop its "by {...}" or wrap it, e.g. count_nonzero(...))`,
      );
    }
    // Only the names asked for: an answer cannot add keys to the result.
    if (Object.hasOwn(found, name)) found[name] = numbers[0] ?? null;
  }
  return { values: found };
};
