import type { z } from "zod";
import { safeText } from "../text/safe-text.js";

// Turns zod issues into "path: message" lines, with a "did you mean" hint for unknown keys.

/** A value as messages quote it: strings in quotes, anything else as JSON, cut after 60 characters. */
export const got = (value: unknown): string => {
  // A config file may be a copy of anything: what it holds is quoted in safe text, never raw.
  const text = typeof value === "string" ? `"${safeText(value, 58)}"` : JSON.stringify(value);
  if (text === undefined) return String(value);
  // Cut by code point: half of a surrogate pair is not text.
  return text.length > 60 ? `${Array.from(text).slice(0, 57).join("")}...` : text;
};

/** "services[2].test.repo" from ["services", 2, "test", "repo"]. */
export const formatPath = (path: readonly PropertyKey[]): string =>
  path.reduce<string>((out, key) => {
    if (typeof key === "number") return `${out}[${key}]`;
    const text = safeText(String(key), 100); // keys come from the file too
    return out === "" ? text : `${out}.${text}`;
  }, "");

const editDistance = (a: string, b: string): number => {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j] ?? 0;
      row[j] = Math.min(above + 1, (row[j - 1] ?? 0) + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length] ?? 0;
};

/** The closest known key, when it is close enough to be a likely typo. */
export const didYouMean = (key: string, known: readonly string[]): string | undefined => {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(key.length / 3)) ? best : undefined;
};

// The keys an object schema knows, found by walking the schema along the issue's path.
const knownKeysAt = (schema: z.ZodType, path: readonly PropertyKey[]): string[] => {
  let node: unknown = schema;
  const unwrap = (n: unknown): unknown => {
    let current = n as { def?: { type?: string; innerType?: unknown; options?: unknown[] } };
    while (
      current?.def &&
      (current.def.type === "optional" || current.def.type === "default" || current.def.type === "pipe")
    ) {
      current = current.def.innerType as typeof current;
    }
    return current;
  };
  for (const key of path) {
    const current = unwrap(node) as {
      def?: { type?: string; shape?: Record<string, unknown>; element?: unknown; options?: unknown[] };
    };
    if (current?.def?.type === "array" && typeof key === "number") node = current.def.element;
    else if (current?.def?.type === "object") node = current.def.shape?.[String(key)];
    else if (current?.def?.type === "union")
      node = current.def.options?.find(
        (o) => (unwrap(o) as { def?: { type?: string } }).def?.type === "object",
      );
    else return [];
  }
  let target = unwrap(node) as {
    def?: { type?: string; shape?: Record<string, unknown>; options?: unknown[] };
  };
  if (target?.def?.type === "union") {
    target = unwrap(
      target.def.options?.find((o) => (unwrap(o) as { def?: { type?: string } }).def?.type === "object"),
    ) as typeof target;
  }
  return target?.def?.type === "object" ? Object.keys(target.def.shape ?? {}) : [];
};

/** One "path: message" line per problem, unknown keys one per key. */
export const describeIssues = (schema: z.ZodType, issues: readonly z.core.$ZodIssue[]): string[] =>
  issues.flatMap((issue) => {
    if (issue.code === "unrecognized_keys") {
      const known = knownKeysAt(schema, issue.path);
      return issue.keys.map((key) => {
        const where = formatPath([...issue.path, key]);
        const hint = didYouMean(key, known);
        return `${where}: unknown key${hint ? ` (did you mean "${hint}"?)` : known.length ? ` (expected one of ${known.join(", ")})` : ""}`;
      });
    }
    const where = formatPath(issue.path) || "(top level)";
    // A record key's own message ("expected a query name ...") is nested; zod's outer one says "Invalid key".
    if (issue.code === "invalid_key") return issue.issues.map((inner) => `${where}: ${inner.message}`);
    return [`${where}: ${plainMessage(issue)}`];
  });

/**
 * zod's default wording ("Invalid input: expected array, received string", "Too small: expected number to be
 * >0") in the style of the rest ("expected a list, got a string"); a schema's own message is kept as written.
 */
const plainMessage = (issue: z.core.$ZodIssue): string => {
  const input = "input" in issue ? `, got ${got(issue.input)}` : "";
  if (issue.code === "invalid_type" && issue.message.startsWith("Invalid input")) {
    const received = /received (\w+)$/.exec(issue.message)?.[1];
    const seen =
      input || (received === "undefined" ? " (missing)" : received ? `, got ${article(received)}` : "");
    return `expected ${TYPE_NAMES[issue.expected] ?? issue.expected}${seen}`;
  }
  if (issue.code === "invalid_value" && /^Invalid (option|input)/.test(issue.message))
    return `expected ${issue.values.length === 1 ? "" : "one of "}${issue.values.map((v) => JSON.stringify(v)).join(", ")}${input}`;
  if ((issue.code === "too_small" || issue.code === "too_big") && /^Too (small|big)/.test(issue.message)) {
    const small = issue.code === "too_small";
    const bound = Number(small ? issue.minimum : issue.maximum);
    const inclusive = issue.inclusive !== false;
    if (issue.origin === "number")
      return `expected a number ${small ? (inclusive ? "of at least" : "above") : inclusive ? "of at most" : "below"} ${bound}${input}`;
    if (small && bound === 1)
      return `expected ${issue.origin === "string" ? "a non-empty string" : "at least one entry"}${input}`;
    const [one, many] = issue.origin === "string" ? ["character", "characters"] : ["entry", "entries"];
    const units = `${bound} ${bound === 1 ? one : many}`;
    return `expected at ${small ? "least" : "most"} ${units}${input}`;
  }
  return issue.message;
};

const article = (type: string): string =>
  type === "null" ? "null" : (TYPE_NAMES[type] ?? (/^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`));

const TYPE_NAMES: Record<string, string> = {
  array: "a list",
  object: "an object",
  string: "a string",
  number: "a number",
  boolean: "true or false",
};
