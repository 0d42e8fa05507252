import type { VersionSource } from "../config/types.js";
import { DogdriverError } from "../errors.js";
import { type BoundedFetchError, boundedFetchText } from "../http/bounded-fetch.js";
import type { Clock } from "../state/deps.js";
import { redactUrl } from "../text/redact-url.js";
import { safeText } from "../text/safe-text.js";

// The deployed version: a fixed string, or a field of a JSON document (Dockerflow's /__version__ by default).
// The endpoint is the service's, not ours: its answer is bounded in time and size (a trickle is a timeout, an
// endless body stops at the limit) and the version is reduced to safe text (src/text/safe-text.ts) before it is
// stored or printed.

export const VERSION_TIMEOUT_MS = 10_000;
/** A Dockerflow version document is a few hundred bytes; 64 KiB leaves room for any build metadata. */
export const VERSION_MAX_BYTES = 64 * 1024;
const MAX_VERSION_LENGTH = 200;

/** Reads a dotted path ("build.version") from a parsed JSON document. */
const fieldAt = (document: unknown, field: string): unknown =>
  field
    .split(".")
    .reduce<unknown>(
      (node, key) =>
        node !== null && typeof node === "object" ? (node as Record<string, unknown>)[key] : undefined,
      document,
    );

/**
 * Reads the version now. An unreachable or silent endpoint is a `load_test_failed` error (nothing can be
 * tested), an answer that is not the expected JSON (or larger than VERSION_MAX_BYTES) an `invalid_input` one;
 * both name the URL and the field.
 */
export const readDeployedVersion = async (
  source: VersionSource,
  signal: AbortSignal,
  clock: Pick<Clock, "sleep">,
): Promise<string> => {
  if (source.fixed !== undefined) return source.fixed;
  const url = source.url ?? "";
  // What messages name: the URL without the user and password it may carry (sent as a Basic header instead).
  const shown = redactUrl(url);
  const field = source.field ?? "version";
  let answer: { status: number; body: string };
  try {
    answer = await boundedFetchText(url, {
      timeoutMs: VERSION_TIMEOUT_MS,
      maxBytes: VERSION_MAX_BYTES,
      clock,
      signal,
      headers: { accept: "application/json" },
    });
  } catch (error) {
    const e = error as BoundedFetchError;
    if (e.kind === "interrupted")
      throw new DogdriverError("interrupted", `reading the version from ${shown}: interrupted`);
    if (e.kind === "too_large")
      throw new DogdriverError(
        "invalid_input",
        `version endpoint ${shown}: ${e.message}, expected a small JSON document`,
      );
    throw new DogdriverError(
      "load_test_failed",
      `version endpoint ${shown} unreachable: ${safeText(e.message, 200)}`,
    );
  }
  const { status, body } = answer;
  if (status < 200 || status > 299) {
    throw new DogdriverError(
      "load_test_failed",
      `version endpoint ${shown} answered HTTP ${status}, expected 200 with a JSON document`,
    );
  }
  let document: unknown;
  try {
    document = JSON.parse(body);
  } catch {
    throw new DogdriverError(
      "invalid_input",
      `version endpoint ${shown}: expected a JSON document with a "${field}" field, got "${safeText(body, 40)}"`,
    );
  }
  const value = fieldAt(document, field);
  if ((typeof value !== "string" && typeof value !== "number") || String(value).trim() === "") {
    throw new DogdriverError(
      "invalid_input",
      `version endpoint ${shown}: expected a non-empty string in field "${field}", got ${value === undefined ? "no such field" : safeText(JSON.stringify(value) ?? "", 60)}`,
    );
  }
  return safeText(String(value).trim(), MAX_VERSION_LENGTH);
};
