import { z } from "zod";
import { configFileSchema } from "./schema.js";

// The JSON Schema of the configuration file, for editors ("$schema": "./node_modules/dogdriver/schema/...").
// Generated from the zod schema; schema/dogdriver.config.schema.json is this text, checked in and kept equal
// by test/config/json-schema.test.ts (`npm run gen:schema` rewrites it).

export const configJsonSchema = (): Record<string, unknown> => {
  // io "input": what users write (optional keys stay optional). Refinements zod cannot express are given
  // as `pattern`s through .meta() in schema.ts.
  const { $schema, ...rest } = z.toJSONSchema(configFileSchema, { io: "input", unrepresentable: "any" });
  return {
    $schema,
    title: "dogdriver configuration",
    description: "dogdriver.config.json / .yaml: see docs/configuration.md",
    ...rest,
  };
};

/** The file's exact text. */
export const configJsonSchemaText = (): string => `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
