import type { v2 } from "@datadog/datadog-api-client";
import { DogdriverError } from "../errors.js";
import type { NamedQuery, ScalarResult, TimeseriesResult } from "./types.js";

// Datadog's query answers to dogdriver's shapes. Without formulas, series[i].queryIndex points into the queries sent.
// A query Datadog answered with an error, or with several groups where one number is needed, comes from the
// configuration and fails the same way every time: invalid_config, never worth a retry.

const queryError = (errors: string, queries: readonly NamedQuery[]) =>
  new DogdriverError(
    "invalid_config",
    `Datadog could not answer the queries ${queries.map((q) => `${q.name} (${q.query})`).join(", ")}: ${errors}`,
  );

export const timeseriesResult = (
  response: v2.TimeseriesFormulaQueryResponse,
  queries: readonly NamedQuery[],
): TimeseriesResult => {
  if (response.errors) throw queryError(response.errors, queries);
  const attributes = response.data?.attributes;
  const timesMs = attributes?.times ?? [];
  return {
    series: (attributes?.series ?? []).map((s, i) => ({
      name: queries[s.queryIndex ?? 0]?.name ?? `query${s.queryIndex ?? 0}`,
      groupTags: s.groupTags ?? [],
      timesMs,
      values: attributes?.values?.[i] ?? [],
    })),
  };
};

export const scalarResult = (
  response: v2.ScalarFormulaQueryResponse,
  queries: readonly NamedQuery[],
): ScalarResult => {
  if (response.errors) throw queryError(response.errors, queries);
  const columns = response.data?.attributes?.columns ?? [];
  const values: Record<string, number | null> = {};
  for (const q of queries) values[q.name] = null;
  for (const column of columns as v2.DataScalarColumn[]) {
    if (column.type !== "number") continue;
    const numbers = column.values ?? [];
    const name = column.name ?? "";
    if (numbers.length > 1) {
      const query = queries.find((q) => q.name === name)?.query ?? name;
      throw new DogdriverError(
        "invalid_config",
        `query ${name} (${query}) answered ${numbers.length} groups; dogdriver needs one number per query (drop its "by {...}" or wrap it, e.g. count_nonzero(...))`,
      );
    }
    values[name] = numbers[0] ?? null;
  }
  return { values };
};
