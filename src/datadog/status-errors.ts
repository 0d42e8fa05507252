import { DatadogError } from "./datadog-error.js";
import type { Redactor } from "./redact.js";

// The one message per kind of Datadog failure. Each names the operation; none can hold a key (all pass the redactor).

export interface RequestSite {
  site: string;
  baseUrl?: string | undefined;
  redact: Redactor;
}

const where = (s: RequestSite) =>
  `for site ${s.site}${s.baseUrl ? ` (through DOGDRIVER_DD_URL ${s.baseUrl})` : ""}`;

// Most endpoints send `{"errors": ["..."]}`; the newer JSON:API ones (Deployment Gates) send objects,
// `{"errors": [{"status": "400", "title": "Bad Request", "detail": "..."}]}`.
const errorText = (error: unknown): string => {
  if (error === null || typeof error !== "object") return String(error);
  const { title, detail } = error as { title?: unknown; detail?: unknown };
  const parts = [title, detail].filter((p): p is string => typeof p === "string" && p !== "");
  return parts.length > 0 ? parts.join(": ") : JSON.stringify(error).slice(0, 300);
};

/** Datadog's `{"errors": [...]}` as one line, or the start of whatever else it sent. */
export const reasonOf = (text: string): string => {
  try {
    const errors = (JSON.parse(text) as { errors?: unknown }).errors;
    if (Array.isArray(errors) && errors.length > 0) return errors.map(errorText).join("; ");
  } catch {
    // not JSON: fall through to the raw text
  }
  const trimmed = text.trim();
  return trimmed === "" ? "no reason given" : trimmed.slice(0, 300);
};

export const statusError = (
  s: RequestSite,
  operation: string,
  status: number,
  body: string,
  attempts: number,
  appKeyToo: boolean,
): DatadogError => {
  const reason = s.redact(reasonOf(body));
  const make = (message: string, details: string[] = []) =>
    new DatadogError(operation, s.redact(message), { status, details: details.map(s.redact) });
  if (status === 401 || status === 403) {
    const through = s.baseUrl ? ` through DOGDRIVER_DD_URL ${s.baseUrl}` : "";
    return make(
      `Datadog rejected the ${appKeyToo ? "API key or application key" : "API key"} (${status}) for site ${s.site}`,
      [
        `while ${operation}${through}; check DD_API_KEY${appKeyToo ? " and DD_APP_KEY" : ""} and DD_SITE (keys belong to one site)`,
      ],
    );
  }
  if (status === 413) return make(`Datadog refused ${operation}: payload too large (413)`);
  if (status === 429) {
    return make(`Datadog rate-limited ${operation} (429) ${attempts} time(s) in a row; try again later`, [
      reason,
    ]);
  }
  if (status >= 500)
    return make(`Datadog failed ${operation} (${status}) ${attempts} time(s) in a row: ${reason}`);
  return make(`Datadog refused ${operation} (${status}): ${reason}`);
};

export const rateLimitTooLongError = (
  s: RequestSite,
  operation: string,
  limitName: string,
  resetSeconds: number,
  maxWaitMs: number,
): DatadogError =>
  new DatadogError(
    operation,
    s.redact(
      `Datadog rate limit ${limitName} is used up while ${operation} (429): it resets in ${resetSeconds} s, longer than the ${Math.round(maxWaitMs / 1000)} s dogdriver waits`,
    ),
    { status: 429 },
  );

export const timeoutError = (
  s: RequestSite,
  operation: string,
  request: string,
  timeoutMs: number,
): DatadogError =>
  new DatadogError(
    operation,
    s.redact(`Datadog did not answer within ${timeoutMs} ms while ${operation} (${request}) ${where(s)}`),
  );

export const networkError = (
  s: RequestSite,
  operation: string,
  cause: unknown,
  attempts: number,
): DatadogError => {
  const c = cause as { message?: string; cause?: { code?: string; message?: string } };
  const reason = c.cause?.code ?? c.cause?.message ?? c.message ?? String(cause);
  return new DatadogError(
    operation,
    s.redact(`Could not reach Datadog ${where(s)} while ${operation} (${reason}, ${attempts} attempt(s))`),
  );
};

export const answerTooLargeError = (s: RequestSite, operation: string, maxBytes: number): DatadogError =>
  new DatadogError(
    operation,
    s.redact(
      `Datadog's answer while ${operation} is larger than ${maxBytes} bytes ${where(s)}; dogdriver stopped reading it`,
    ),
    {
      details: [
        "no answer dogdriver asks for is that large: a proxy or DOGDRIVER_DD_URL may point elsewhere",
      ],
    },
  );

/** An answer that is not the JSON the operation returns (a proxy's HTML page, a cut body). */
export const garbledAnswerError = (s: RequestSite, operation: string, why: string): DatadogError =>
  new DatadogError(
    operation,
    s.redact(`Datadog's answer while ${operation} ${where(s)} is not readable: ${why}`),
  );
