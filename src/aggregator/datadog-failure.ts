import { isDogdriverError } from "../errors.js";

// Which Datadog failures are worth trying again later (the run stays pending, the submission stays in the
// outbox) and which are final (a rejected query: retrying would fail forever).

export interface DatadogFailure {
  transient: boolean;
  /** For messages; never holds keys (the client redacts them). */
  reason: string;
}

export const datadogFailure = (error: unknown): DatadogFailure => {
  const reason = error instanceof Error ? error.message : String(error);
  // Timeouts, resets and refused connections carry no status: Datadog (or the way to it) is unavailable.
  if (!isDogdriverError(error)) return { transient: true, reason };
  if (error.code === "interrupted") return { transient: true, reason };
  if (error.code !== "datadog") return { transient: false, reason };
  const status = (error as { status?: number }).status;
  return { transient: status === undefined || status === 408 || status === 429 || status >= 500, reason };
};
