import type { FaultSpec } from "./types.js";

// Faults a test switches on: each applies to the next `times` matching requests, in the order injected.

const statusText: Record<number, string> = {
  429: "Too many requests",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

export interface FaultQueue {
  inject(spec: FaultSpec): void;
  /** The fault for this request, if any (consuming one of its `times`). */
  take(method: string, path: string): FaultSpec | undefined;
  clear(): void;
}

export const faultQueue = (): FaultQueue => {
  let faults: { spec: FaultSpec; left: number }[] = [];
  return {
    inject: (spec) => {
      faults.push({ spec, left: spec.times ?? 1 });
    },
    take: (method, path) => {
      const found = faults.find(
        (f) =>
          f.left > 0 &&
          (!f.spec.path || path.startsWith(f.spec.path)) &&
          (!f.spec.method || f.spec.method.toUpperCase() === method),
      );
      if (!found) return undefined;
      found.left -= 1;
      faults = faults.filter((f) => f.left > 0);
      return found.spec;
    },
    clear: () => {
      faults = [];
    },
  };
};

/** Datadog's X-RateLimit-* headers (docs api/latest/rate-limits). */
export const rateLimitHeaders = (h: {
  limit: number;
  periodSeconds: number;
  remaining: number;
  resetSeconds: number;
  name: string;
}): Record<string, string> => ({
  "x-ratelimit-limit": String(h.limit),
  "x-ratelimit-period": String(h.periodSeconds),
  "x-ratelimit-remaining": String(h.remaining),
  "x-ratelimit-reset": String(h.resetSeconds),
  "x-ratelimit-name": h.name,
});

/** The status, headers and body a status fault answers with. */
export const faultReply = (spec: FaultSpec & { status: number }) => {
  const headers =
    spec.status === 429 || spec.resetSeconds !== undefined
      ? rateLimitHeaders({
          limit: 100,
          periodSeconds: 60,
          remaining: 0,
          resetSeconds: spec.resetSeconds ?? 1,
          name: "emulator_fault",
        })
      : {};
  const body = spec.body ?? { errors: [statusText[spec.status] ?? `Status ${spec.status}`] };
  return { status: spec.status, headers, body };
};
