import { v1 } from "@datadog/datadog-api-client";

// Round-trips snake_case JSON through the official client's models. The models keep unknown keys in
// `additionalProperties` and unknown enum values as UnparsedObject, so a round trip alone is lossless even for
// wrong input: `unmodelled` lists those places so a test can require that there are none.

export const roundTrip = (
  json: unknown,
  type: "Dashboard" | "Monitor",
): { model: unknown; back: unknown } => {
  const model = v1.ObjectSerializer.deserialize(json, type, "");
  return { model, back: v1.ObjectSerializer.serialize(model, type, "") };
};

export const unmodelled = (model: unknown, path = "$", out: string[] = []): string[] => {
  if (Array.isArray(model)) {
    for (const [i, item] of model.entries()) unmodelled(item, `${path}[${i}]`, out);
  } else if (model !== null && typeof model === "object") {
    const obj = model as Record<string, unknown>;
    if (obj._unparsed === true || "_data" in obj) out.push(`${path}: not understood by the model`);
    if (obj.additionalProperties !== undefined && Object.keys(obj.additionalProperties as object).length > 0)
      out.push(`${path}: unknown keys ${Object.keys(obj.additionalProperties as object).join(", ")}`);
    for (const [key, value] of Object.entries(obj)) {
      if (key !== "additionalProperties") unmodelled(value, `${path}.${key}`, out);
    }
  }
  return out;
};
