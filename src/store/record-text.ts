// The stored text of a run record: JSON indented by two spaces, as JSON.stringify(record, null, 2) writes it,
// except that each entry of client.endpoints takes one line. Indented, an entry spends ~250 bytes on 12 lines
// and 20 of them tripled a record; on one line the 20 fit in the 3 KB a record may grow by (docs/benchmarks.md,
// "Endpoints"). A record without endpoints (every dogdriver.run.v1 record) is byte for byte what it was.

const INDENT = "  ";

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === "object" && !Array.isArray(value);

/** Where entries go one per line: the path of client.endpoints. */
const oneLineItems = (path: readonly string[]) =>
  path.length === 2 && path[0] === "client" && path[1] === "endpoints";

const pretty = (value: unknown, depth: number, path: readonly string[]): string | undefined => {
  const inner = INDENT.repeat(depth + 1);
  const close = INDENT.repeat(depth);
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    // As JSON.stringify: an item that has no JSON form (undefined, a function) is written null.
    const items = value.map((item) =>
      oneLineItems(path)
        ? (JSON.stringify(item) ?? "null")
        : (pretty(item, depth + 1, [...path, "[]"]) ?? "null"),
    );
    return `[\n${inner}${items.join(`,\n${inner}`)}\n${close}]`;
  }
  if (isObject(value)) {
    const members = Object.entries(value).flatMap(([key, v]) => {
      const text = pretty(v, depth + 1, [...path, key]);
      return text === undefined ? [] : [`${JSON.stringify(key)}: ${text}`];
    });
    return members.length === 0 ? "{}" : `{\n${inner}${members.join(`,\n${inner}`)}\n${close}}`;
  }
  return JSON.stringify(value);
};

/** The record as stored, ending with a newline. */
export const recordText = (record: unknown): string => `${pretty(record, 0, []) ?? "null"}\n`;
