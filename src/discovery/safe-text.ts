// Remote text (a Software Catalog entity's name, a field it sent) made safe to print: control characters (ANSI
// escapes, carriage returns that rewrite a terminal line) and bidirectional overrides removed, and the length
// bounded. Kept to this one file so a shared helper can replace it.

// biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;

/** `value` as printable text of at most `max` characters ("…" marks a cut). */
export const safeText = (value: unknown, max = 100): string => {
  const text = (typeof value === "string" ? value : String(JSON.stringify(value))).replace(UNSAFE, "?");
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
};
