import { isDogdriverError } from "../errors.js";

// Which Datadog failures are worth trying again later (the run stays pending, the submission stays in the
// outbox), which are final (a rejected query: retrying would fail forever), and which concern the whole process
// (a refused key: 401/403 says nothing about the payload, so nothing may be marked, moved or rejected for it).

export interface DatadogFailure {
  transient: boolean;
  /** For messages; never holds keys (the client redacts them). */
  reason: string;
}

const statusOf = (error: unknown): number | undefined =>
  isDogdriverError(error) && error.code === "datadog" ? (error as { status?: number }).status : undefined;

/** Datadog refused the keys (401/403): the caller stops at once and leaves everything as it was. */
export const isCredentialFailure = (error: unknown): boolean => {
  const status = statusOf(error);
  return status === 401 || status === 403;
};

/** Rethrows a credential failure; anything else is left to the caller's own handling. */
export const throwIfCredentials = (error: unknown): void => {
  if (isCredentialFailure(error)) throw error;
};

export const datadogFailure = (error: unknown): DatadogFailure => {
  const reason = error instanceof Error ? error.message : String(error);
  // Timeouts, resets and refused connections carry no status: Datadog (or the way to it) is unavailable.
  if (!isDogdriverError(error)) return { transient: true, reason };
  if (error.code === "interrupted") return { transient: true, reason };
  if (error.code !== "datadog") return { transient: false, reason };
  const status = statusOf(error);
  return {
    transient:
      status === undefined ||
      status === 401 ||
      status === 403 ||
      status === 408 ||
      status === 429 ||
      status >= 500,
    reason,
  };
};
