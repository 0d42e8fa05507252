import type { VersionSource } from "../config/types.js";
import { DogdriverError } from "../errors.js";

// The deployed version: a fixed string, or a field of a JSON document (Dockerflow's /__version__ by default).

const VERSION_TIMEOUT_MS = 10_000;
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
 * Reads the version now. An unreachable endpoint is a `load_test_failed` error (nothing can be tested), an
 * answer that is not the expected JSON an `invalid_input` one; both name the URL and the field.
 */
export const readDeployedVersion = async (source: VersionSource, signal: AbortSignal): Promise<string> => {
  if (source.fixed !== undefined) return source.fixed;
  const url = source.url ?? "";
  const field = source.field ?? "version";
  let response: Response;
  try {
    response = await fetch(url, {
      headers: { accept: "application/json" },
      redirect: "follow",
      signal: AbortSignal.any([signal, AbortSignal.timeout(VERSION_TIMEOUT_MS)]),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const why =
      (error as Error).name === "TimeoutError"
        ? `no answer within ${VERSION_TIMEOUT_MS / 1000}s`
        : (cause?.code ?? cause?.message ?? (error as Error).message);
    throw new DogdriverError("load_test_failed", `version endpoint ${url} unreachable: ${why}`);
  }
  const body = await response.text().catch(() => "");
  if (!response.ok) {
    throw new DogdriverError(
      "load_test_failed",
      `version endpoint ${url} answered HTTP ${response.status}, expected 200 with a JSON document`,
    );
  }
  let document: unknown;
  try {
    document = JSON.parse(body);
  } catch {
    const start = JSON.stringify(body.slice(0, 40));
    throw new DogdriverError(
      "invalid_input",
      `version endpoint ${url}: expected a JSON document with a "${field}" field, got ${start}${body.length > 40 ? "..." : ""}`,
    );
  }
  const value = fieldAt(document, field);
  if ((typeof value !== "string" && typeof value !== "number") || String(value).trim() === "") {
    throw new DogdriverError(
      "invalid_input",
      `version endpoint ${url}: expected a non-empty string in field "${field}", got ${value === undefined ? "no such field" : JSON.stringify(value)?.slice(0, 60)}`,
    );
  }
  return String(value).trim().slice(0, MAX_VERSION_LENGTH);
};
