// The official client's deserialize() marks values it could not match (unknown enum value, oneOf that matched
// nothing) with `_unparsed` instead of throwing; Datadog's API rejects those, so the emulator looks for the mark.

export const hasUnparsed = (value: unknown): boolean => {
  if (Array.isArray(value)) return value.some(hasUnparsed);
  if (value === null || typeof value !== "object") return false;
  const record = value as Record<string, unknown>;
  if (record._unparsed === true || "_data" in record) return true;
  return Object.entries(record).some(([key, v]) => key !== "additionalProperties" && hasUnparsed(v));
};

/** deserialize()'s message in words closer to Datadog's ("unknown type 'number'" means a number was expected). */
export const modelError = (error: unknown): string => {
  const message = error instanceof Error ? error.message : String(error);
  const wrongType = /^unknown type '(\w+)'$/.exec(message);
  return wrongType ? `a field has the wrong type (expected ${wrongType[1]})` : message;
};
