// Text that came from outside (a version endpoint, a catalog, a test's output, Datadog's error reasons) is
// stored and printed only in a safe set: letters, marks, digits, punctuation and symbols of any script, and
// the plain space (Unicode categories L, M, N, P, S and U+0020). Everything else (control characters such as
// ESC and newline, other spaces, format characters such as bidi overrides, unassigned and private-use code
// points, lone surrogates) is written as a `\u{...}` escape, so it can neither drive a terminal nor reorder
// what is shown. The escape only uses safe characters, so escaping twice changes nothing. docs/run-record.md
// documents the set.

const UNSAFE = /[^\p{L}\p{M}\p{N}\p{P}\p{S} ]/gu;

const escapeChar = (char: string): string => `\\u{${(char.codePointAt(0) ?? 0).toString(16)}}`;

/** `text` with every character outside the safe set escaped, cut to `maxChars` characters when given. */
export const safeText = (text: string, maxChars?: number): string => {
  const escaped = text.replace(UNSAFE, escapeChar);
  if (maxChars === undefined || escaped.length <= maxChars) return escaped;
  // By code point, so a cut never leaves half of a surrogate pair.
  return `${Array.from(escaped)
    .slice(0, Math.max(0, maxChars - 3))
    .join("")}...`;
};

/** True when `text` holds only safe characters. */
export const isSafeText = (text: string): boolean => !new RegExp(UNSAFE.source, "u").test(text);
