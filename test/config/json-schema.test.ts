import { readFile } from "node:fs/promises";
import { expect, it } from "vitest";
import { configJsonSchema, configJsonSchemaText } from "../../src/config/json-schema.js";
import { configFileSchema } from "../../src/config/schema.js";

const CHECKED_IN = new URL("../../schema/dogdriver.config.schema.json", import.meta.url);

it("matches the checked-in schema/dogdriver.config.schema.json (run `npm run gen:schema` after a change)", async () => {
  expect(await readFile(CHECKED_IN, "utf8")).toBe(configJsonSchemaText());
});

it("describes every key of the configuration and refuses unknown ones", () => {
  const schema = configJsonSchema() as {
    properties: Record<string, { description?: string }>;
    additionalProperties: boolean;
  };
  expect(Object.keys(schema.properties).sort()).toEqual(Object.keys(configFileSchema.shape).sort());
  expect(schema.additionalProperties).toBe(false);
  for (const [key, value] of Object.entries(schema.properties))
    if (key !== "datadog" && key !== "schedule") expect(value.description, key).toBeTruthy();
});

it("carries the name and duration patterns editors check", () => {
  const schema = configJsonSchema() as {
    properties: { source: { pattern: string }; settle: { pattern: string } };
  };
  const name = new RegExp(schema.properties.source.pattern);
  expect(["kinto", "eu-west-runner-1", "a.b_c"].every((v) => name.test(v))).toBe(true);
  expect(["Kinto", "../x", "a..b", "", "-x", "x".repeat(101)].some((v) => name.test(v))).toBe(false);
  const duration = new RegExp(schema.properties.settle.pattern);
  expect(["10m", "1h30m", "500ms"].every((v) => duration.test(v))).toBe(true);
  expect(["10", "10 minutes", "m"].some((v) => duration.test(v))).toBe(false);
});
