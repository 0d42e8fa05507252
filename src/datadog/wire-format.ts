// The official client's models name fields in camelCase; Datadog's wire format in snake_case (its
// ObjectSerializer maps each attribute to its `baseName`). The bodies dogdriver sends are built as those models
// (request-bodies.ts) and turned into wire JSON here, without loading the client. Every field of those bodies
// follows the plain rule (sourceTypeName -> source_type_name, dataSource -> data_source); a test compares the
// result with the client's own serializer for each body.

const snake = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** `model` with every key in snake_case, at every depth (the bodies hold no free-form maps). */
export const toWire = (model: unknown): unknown => {
  if (Array.isArray(model)) return model.map(toWire);
  if (model === null || typeof model !== "object") return model;
  return Object.fromEntries(
    Object.entries(model)
      .filter(([, value]) => value !== undefined)
      .map(([key, value]) => [snake(key), toWire(value)]),
  );
};

/** A JSON object read from the wire, or undefined when the value is not one. */
export const wireObject = (value: unknown): Record<string, unknown> | undefined =>
  value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;

/** The strings of a wire list (anything else in it dropped); [] when it is not a list. */
export const wireStrings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];

/** An answer whose shape is not the operation's (the caller turns it into a DatadogError naming the operation). */
export class GarbledAnswer extends Error {}

/** `text` as JSON; GarbledAnswer when it is not. */
export const parseWire = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    throw new GarbledAnswer(`not JSON (${text.length} characters)`);
  }
};
