import { rateLimitHeaders } from "./faults.js";
import type { RateLimitSpec } from "./types.js";

// Datadog's rate limits count requests per calendar-aligned period (docs api/latest/rate-limits: "X-RateLimit-Period:
// length of time in seconds for resets (calendar aligned)"). Only switched on when a test asks for it.

export interface RateLimiter {
  set(spec: RateLimitSpec | undefined): void;
  /** Headers for this request, and whether it is over the limit. */
  check(path: string, nowMs: number): { headers: Record<string, string>; limited: boolean } | undefined;
}

export const rateLimiter = (): RateLimiter => {
  let spec: RateLimitSpec | undefined;
  let period = -1;
  let used = 0;
  return {
    set: (next) => {
      spec = next;
      period = -1;
      used = 0;
    },
    check: (path, nowMs) => {
      if (!spec || !path.startsWith(spec.path)) return undefined;
      const periodMs = spec.periodSeconds * 1000;
      const current = Math.floor(nowMs / periodMs);
      if (current !== period) {
        period = current;
        used = 0;
      }
      used += 1;
      const limited = used > spec.limit;
      const headers = rateLimitHeaders({
        limit: spec.limit,
        periodSeconds: spec.periodSeconds,
        remaining: Math.max(0, spec.limit - used),
        resetSeconds: Math.max(1, Math.ceil(((current + 1) * periodMs - nowMs) / 1000)),
        name: spec.name ?? "metrics_query",
      });
      return { headers, limited };
    },
  };
};
