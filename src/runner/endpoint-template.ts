import { safeText } from "../text/safe-text.js";

// How a request is named in the run record's endpoints (docs/run-record.md, "Endpoints"): `METHOD /template`,
// where path segments that are identifiers fold to `{id}`, so /items/17 and /items/42 are one endpoint as k6's
// URL grouping and Locust's request names make them. A segment folds when it is, once percent-decoded:
// - a number (`123`, `2024`);
// - a UUID (`3f2b8c1e-...`, 8-4-4-4-12 hex digits);
// - hexadecimal of 16 characters or more (`deadbeefcafebabe...`, a digest), or of 8 or more that mixes digits
//   and letters (`3f2b9c1a`, a short commit);
// - a token of 16 characters or more from the base64/base64url alphabet (and `.`, `~`) holding a digit, an
//   uppercase and a lowercase letter (session ids, JWTs, `cus_NffrFeUfNV2Hib`).
// Words never fold: `v2`, `api`, `cafe`, `deadbeef` (8 letters), `2.0`, a lowercase slug. A trailing slash is
// dropped (/items/ and /items are one endpoint); the query string never reaches here (the extension drops it).

/** The placeholder a folded segment becomes. */
const ID_PLACEHOLDER = "{id}";

/** Longest endpoint name kept: its Datadog tag `endpoint:<name>` must stay under the 200-character limit. */
export const MAX_ENDPOINT_NAME = 120;

/** The name no request may take: the record's entry for the endpoints beyond the top N. */
export const OTHER_ENDPOINT = "other";

const NUMBER = /^\d+$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const HEX = /^[0-9a-f]+$/i;
const TOKEN = /^[A-Za-z0-9_\-+=.~]{16,}$/;

const decoded = (segment: string): string => {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment; // a stray "%": classified as written
  }
};

/** True when a path segment is an identifier rather than a word of the route. */
export const isIdSegment = (segment: string): boolean => {
  const s = decoded(segment);
  if (NUMBER.test(s) || UUID.test(s)) return true;
  if (HEX.test(s)) return s.length >= 16 || (s.length >= 8 && /\d/.test(s) && /[a-f]/i.test(s));
  return TOKEN.test(s) && /\d/.test(s) && /[A-Z]/.test(s) && /[a-z]/.test(s);
};

/** The path with identifier segments folded to {id} and no trailing slash ("/" stays "/"). */
export const foldPath = (path: string): string => {
  const segments = path.split("/").map((s) => (s !== "" && isIdSegment(s) ? ID_PLACEHOLDER : s));
  const folded = segments.join("/").replace(/\/+$/, "");
  return folded === "" ? "/" : folded;
};

const cut = (text: string) => safeText(text, MAX_ENDPOINT_NAME);

/**
 * The endpoint a request counts under: the name the test gave it, or `METHOD /template`. A given name that is
 * empty or "other" (any case) is ignored: "other" is the entry of the endpoints beyond the top N.
 */
export const endpointName = (method: string, path: string, name?: string): string => {
  const given = name?.trim();
  if (given && given.toLowerCase() !== OTHER_ENDPOINT) return cut(given);
  return cut(`${method.toUpperCase()} ${foldPath(path)}`);
};
