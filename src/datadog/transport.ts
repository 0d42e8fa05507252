import { DogdriverError } from "../errors.js";
import { BoundedFetchError, boundedFetch } from "../http/bounded-fetch.js";
import type { Clock, Logger } from "../state/deps.js";
import { isIdempotent, needsAppKey, operationName } from "./operation-names.js";
import {
  answerTooLargeError,
  networkError,
  type RequestSite,
  rateLimitTooLongError,
  statusError,
  timeoutError,
} from "./status-errors.js";
import type { RateLimitState } from "./types.js";

// Every request dogdriver sends to Datadog, over plain fetch: the calls of aggregate and discovery directly
// (client.ts), provisioning's through the official client, whose `httpApi` wraps this (client-http.ts). The
// client's own IsomorphicFetchHttpLibrary has no timeout, retries without a cap on the wait, sleeps on real
// timers, hides response headers and reads answers of any size (DATADOG-NOTES §1), so this one replaces it: a
// timeout per attempt that also covers reading the body, answers read at most `maxAnswerBytes` deep, retries of
// 429 and 5xx that wait X-RateLimit-Reset (capped), retries of dropped connections for idempotent requests only,
// X-RateLimit-* headers recorded per limit name, and one DatadogError per failure. Time goes through the
// injected clock. Redirects are refused: the keys travel in headers that fetch would carry to another host.

export interface TransportOptions extends RequestSite {
  timeoutMs: number;
  maxRetries: number;
  /** First backoff when no X-RateLimit-Reset came (doubles per attempt). */
  retryBaseMs: number;
  /** Longest wait before a retry; a rate limit that resets later fails at once. */
  maxRetryWaitMs: number;
  /** Largest answer read (after content decoding); a larger one is a DatadogError, never buffered. */
  maxAnswerBytes: number;
  clock: Clock;
  log: Logger;
  /** Aborted when the user stops dogdriver. */
  signal: AbortSignal;
}

export interface TransportRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body?: string | Buffer;
}

export interface Answer {
  status: number;
  /** Lowercase names. */
  headers: Record<string, string>;
  body: Buffer;
}

export class Transport {
  private readonly limits = new Map<string, RateLimitState>();

  constructor(private readonly o: TransportOptions) {}

  rateLimits(): Record<string, RateLimitState> {
    return Object.fromEntries([...this.limits].map(([k, v]) => [k, { ...v }]));
  }

  /** Sends `request` until it succeeds (status < 400) or fails for good; returns the successful answer. */
  async send({ method, url, headers, body }: TransportRequest): Promise<Answer> {
    const path = url.pathname.replace(/^.*(?=\/api\/v\d\/)/, "");
    const operation = operationName(method, path);
    const idempotent = isIdempotent(method, path);
    for (let attempt = 1; ; attempt += 1) {
      if (this.o.signal.aborted) throw new DogdriverError("interrupted", `interrupted while ${operation}`);
      const retriesLeft = attempt <= this.o.maxRetries;
      let answer: Answer;
      try {
        answer = await boundedFetch(url, {
          method,
          headers,
          ...(body === undefined ? {} : { body: typeof body === "string" ? body : new Uint8Array(body) }),
          redirect: "error",
          timeoutMs: this.o.timeoutMs,
          maxBytes: this.o.maxAnswerBytes,
          clock: this.o.clock,
          signal: this.o.signal,
        });
      } catch (error) {
        const kind = error instanceof BoundedFetchError ? error.kind : "unreachable";
        if (kind === "timeout") throw timeoutError(this.o, operation, `${method} ${path}`, this.o.timeoutMs);
        // An answer over the cap is not worth reading again: the next one would be as large.
        if (kind === "too_large") throw answerTooLargeError(this.o, operation, this.o.maxAnswerBytes);
        if (kind === "interrupted" || this.o.signal.aborted)
          throw new DogdriverError("interrupted", `interrupted while ${operation}`);
        if (!idempotent || !retriesLeft) throw networkError(this.o, operation, error, attempt);
        await this.wait(this.backoff(attempt), `${operation}: connection failed`, attempt);
        continue;
      }
      const limit = this.record(answer.headers, `${method} ${path}`);
      if (answer.status < 400) return answer;
      // A 429 or 503 means the request was not processed. Another 5xx from a gateway may come after the work was
      // done, so a create (event, dashboard, monitor) is not sent twice on it: the caller keeps it for later.
      const retryable =
        answer.status === 429 || answer.status === 503 || (answer.status >= 500 && idempotent);
      if (!retryable || !retriesLeft) {
        throw statusError(
          this.o,
          operation,
          answer.status,
          answer.body.toString("utf8"),
          attempt,
          needsAppKey(method, path),
        );
      }
      // X-RateLimit-Reset says when the budget refills, which matters only once it is used up (a 429, or any answer
      // with remaining 0). A 5xx of a limited endpoint carries the headers too; its retry must not wait for the
      // end of the rate-limit period (up to an hour) while budget is left.
      const budgetUsedUp = answer.status === 429 || limit?.remaining === 0;
      const resetMs =
        budgetUsedUp && limit?.resetSeconds !== undefined && limit.resetSeconds > 0
          ? limit.resetSeconds * 1000
          : undefined;
      // A used-up rate limit that resets late fails now (the caller keeps the work for later); a 5xx only waits less.
      if (answer.status === 429 && resetMs !== undefined && resetMs > this.o.maxRetryWaitMs) {
        throw rateLimitTooLongError(
          this.o,
          operation,
          limit?.name ?? path,
          limit?.resetSeconds ?? 0,
          this.o.maxRetryWaitMs,
        );
      }
      const waitMs = Math.min(resetMs ?? this.backoff(attempt), this.o.maxRetryWaitMs);
      await this.wait(waitMs, `${operation}: Datadog answered ${answer.status}`, attempt);
    }
  }

  private backoff(attempt: number): number {
    return Math.min(this.o.retryBaseMs * 2 ** (attempt - 1), this.o.maxRetryWaitMs);
  }

  private async wait(ms: number, why: string, attempt: number): Promise<void> {
    const line = `${why}; retrying in ${(ms / 1000).toFixed(1)} s (attempt ${attempt + 1} of ${this.o.maxRetries + 1})`;
    // Long waits are worth telling a person about; short ones only clutter the output.
    if (ms >= 5000) this.o.log.warn(this.o.redact(line));
    else this.o.log.debug(this.o.redact(line));
    try {
      await this.o.clock.sleep(ms, this.o.signal);
    } catch {
      throw new DogdriverError("interrupted", `interrupted while waiting to retry (${why})`);
    }
  }

  /** Keeps the X-RateLimit-* headers under their limit name; returns what this answer said. */
  private record(headers: Record<string, string>, fallbackName: string): RateLimitState | undefined {
    const number = (name: string) => {
      const value = headers[`x-ratelimit-${name}`];
      return value === undefined || !/^\d+$/.test(value.trim()) ? undefined : Number(value);
    };
    const state: RateLimitState = {
      name: headers["x-ratelimit-name"] ?? fallbackName,
      limit: number("limit"),
      remaining: number("remaining"),
      resetSeconds: number("reset"),
      periodSeconds: number("period"),
    };
    if (state.limit === undefined && state.remaining === undefined && state.resetSeconds === undefined)
      return undefined;
    const clean = Object.fromEntries(
      Object.entries(state).filter(([, v]) => v !== undefined),
    ) as RateLimitState;
    this.limits.set(clean.name ?? fallbackName, clean);
    return clean;
  }
}
