import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import type { DatadogError } from "../../src/datadog/datadog-error.js";
import { testDeps } from "../support/deps.js";
import { refusedPort } from "../support/refused-port.js";
import { type Fixture, startFixture } from "./client-fixture.js";

// Retries, waits, timeouts and the one message per failure, against faults the emulator injects.

let f: Fixture;
const t0 = () => Date.now() - 5 * 60_000;
const gauge = () => [
  { metric: "dogdriver.run.rps", tags: ["service:kinto"], points: [{ timestampMs: t0(), value: 1 }] },
];
const scalar = (datadog = f.datadog) =>
  datadog.queryScalar(t0(), Date.now(), [{ name: "rps", query: "avg:dogdriver.run.rps{service:kinto}" }]);

beforeEach(async () => {
  f ??= await startFixture();
  f.dd.reset();
});
afterAll(async () => f?.dd.close());

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error("expected a failure");
    },
    (error: unknown) => error as DatadogError,
  );

describe("429", () => {
  it("waits X-RateLimit-Reset, then succeeds, and records the budget", async () => {
    f.dd.inject({ status: 429, resetSeconds: 1, path: "/api/v2/query" });
    const started = Date.now();
    const result = await scalar();
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(result.values).toEqual({ rps: null });
    expect(f.dd.requests().map((r) => r.status)).toEqual([429, 200]);
    expect(f.datadog.rateLimits().emulator_fault).toEqual({
      name: "emulator_fault",
      limit: 100,
      remaining: 0,
      resetSeconds: 1,
      periodSeconds: 60,
    });
  });

  it("fails at once when the limit resets later than the longest wait", async () => {
    const datadog = f.client({ maxRetryWaitMs: 5000 });
    f.dd.inject({ status: 429, resetSeconds: 120, path: "/api/v2/query" });
    const error = await failure(scalar(datadog));
    expect(error).toMatchObject({ code: "datadog", status: 429 });
    expect(error.message).toBe(
      "Datadog rate limit emulator_fault is used up while querying metrics (scalar) (429): it resets in 120 s, longer than the 5 s dogdriver waits",
    );
    expect(f.dd.requests()).toHaveLength(1);
  });

  it("reads a query rate limit's headers on every answer and stops when it is used up", async () => {
    f.dd.rateLimit({ path: "/api/v2/query", limit: 2, periodSeconds: 3600, name: "metrics_query" });
    await scalar();
    expect(f.datadog.rateLimits().metrics_query).toMatchObject({
      limit: 2,
      remaining: 1,
      periodSeconds: 3600,
    });
    await scalar();
    expect(f.datadog.rateLimits().metrics_query?.remaining).toBe(0);
    const error = await failure(scalar());
    expect(error.status).toBe(429);
    expect(error.message).toContain("rate limit metrics_query is used up while querying metrics (scalar)");
  });
});

describe("5xx", () => {
  it("retries 500, 502 and 503 and then succeeds", async () => {
    for (const status of [500, 502, 503]) f.dd.inject({ status, path: "/api/v2/series" });
    await f.datadog.submitMetrics(gauge());
    expect(f.dd.requests().map((r) => r.status)).toEqual([500, 502, 503, 202]);
    expect(f.dd.points()).toHaveLength(1);
  });

  it("gives up after maxRetries with the status and the number of attempts", async () => {
    f.dd.inject({ status: 503, times: 10 });
    const error = await failure(f.datadog.submitMetrics(gauge()));
    expect(error).toMatchObject({ status: 503, code: "datadog" });
    expect(error.message).toBe(
      "Datadog failed submitting metrics (503) 4 time(s) in a row: Service Unavailable",
    );
    expect(f.dd.requests()).toHaveLength(4);
  });

  it("a 5xx with rate-limit budget left waits the backoff, not the limit's reset", async () => {
    // Datadog sends X-RateLimit-* on every answer of a limited endpoint, a 500 included.
    let answers = 0;
    const server = createServer((req, res) => {
      req.resume();
      answers += 1;
      const limit = {
        "x-ratelimit-limit": "100",
        "x-ratelimit-period": "3600",
        "x-ratelimit-remaining": String(100 - answers),
        "x-ratelimit-reset": "3000",
        "x-ratelimit-name": "metrics_query",
        "content-type": "application/json",
      };
      if (answers === 1) res.writeHead(500, limit).end('{"errors":["Internal Server Error"]}');
      else res.writeHead(200, limit).end('{"data":{"type":"scalar_response","attributes":{"columns":[]}}}');
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const deps = testDeps({ cwd: process.cwd() });
      const waits: number[] = [];
      const timeoutMs = 3000;
      // Retry waits are recorded and skipped; the per-request timeout timer keeps its real behaviour.
      deps.clock.sleep = (ms, signal) => {
        if (ms !== timeoutMs) {
          waits.push(ms);
          return Promise.resolve();
        }
        return new Promise((resolve, reject) => {
          const timer = setTimeout(resolve, ms);
          signal?.addEventListener("abort", () => {
            clearTimeout(timer);
            reject(signal.reason);
          });
        });
      };
      const { port } = server.address() as AddressInfo;
      const datadog = f.client({ baseUrl: `http://127.0.0.1:${port}`, timeoutMs, retryBaseMs: 20 }, deps);
      await expect(scalar(datadog)).resolves.toEqual({ values: { rps: null } });
      expect(answers).toBe(2);
      expect(waits).toEqual([20]);
      expect(datadog.rateLimits().metrics_query?.remaining).toBe(98);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe("never retried", () => {
  it.each([400, 401, 403, 404, 413])("%i fails at once", async (status) => {
    f.dd.inject({ status, path: "/api/v2/series" });
    const error = await failure(f.datadog.submitMetrics(gauge()));
    expect(error.status).toBe(status);
    expect(f.dd.requests()).toHaveLength(1);
  });

  it("a wrong API key gives the one-line message, at once", async () => {
    const datadog = f.client({ apiKey: "not-the-right-key-0000000000000000" });
    const error = await failure(datadog.submitMetrics(gauge()));
    expect(error.message).toBe("Datadog rejected the API key (403) for site datadoghq.eu");
    expect(error.details[0]).toBe(
      `while submitting metrics through DOGDRIVER_DD_URL ${f.dd.url}; check DD_API_KEY and DD_SITE (keys belong to one site)`,
    );
    expect(f.dd.requests().map((r) => [r.status, r.apiKey])).toEqual([[403, "invalid"]]);
  });

  it("a wrong application key on a query names both keys", async () => {
    const datadog = f.client({ appKey: "wrong-app-key-000000000000000000000000000" });
    const error = await failure(scalar(datadog));
    expect(error.message).toBe("Datadog rejected the API key or application key (403) for site datadoghq.eu");
  });

  it("a missing application key fails before any request", async () => {
    const datadog = f.client({ appKey: undefined });
    expect(datadog.canWrite && !datadog.canRead).toBe(true);
    const error = await failure(scalar(datadog));
    expect(error).toMatchObject({
      code: "invalid_config",
      message: "DD_APP_KEY is not set: querying metrics (scalar) needs it",
    });
    expect(f.dd.requests()).toEqual([]);
  });
});

describe("timeouts and connections", () => {
  it("a hang times out with the operation and the limit, without retrying", async () => {
    const datadog = f.client({ timeoutMs: 300 });
    f.dd.inject({ hang: true, path: "/api/v2/query" });
    const error = await failure(scalar(datadog));
    expect(error).toMatchObject({ code: "datadog", status: undefined });
    expect(error.message).toBe(
      `Datadog did not answer within 300 ms while querying metrics (scalar) (POST /api/v2/query/scalar) for site datadoghq.eu (through DOGDRIVER_DD_URL ${f.dd.url})`,
    );
    expect(f.dd.requests()).toHaveLength(1);
  });

  it("an answer that stops half-way times out as well", async () => {
    const datadog = f.client({ timeoutMs: 300 });
    f.dd.inject({ stall: true, path: "/api/v2/query" });
    const error = await failure(scalar(datadog));
    expect(error.message).toMatch(/^Datadog did not answer within 300 ms while querying metrics \(scalar\)/);
  });

  it("a slow answer within the limit is fine", async () => {
    f.dd.inject({ delayMs: 200, path: "/api/v2/query" });
    await expect(scalar()).resolves.toEqual({ values: { rps: null } });
  });

  it("a reset connection is retried for a query (idempotent)", async () => {
    f.dd.inject({ reset: true, path: "/api/v2/query" });
    await expect(scalar()).resolves.toEqual({ values: { rps: null } });
    expect(f.dd.requests().map((r) => r.status)).toEqual([0, 200]);
  });

  it("a reset connection is not retried for an event (it might have been posted)", async () => {
    f.dd.inject({ reset: true, path: "/api/v1/events" });
    const error = await failure(f.datadog.postEvent({ title: "t", text: "x", tags: [] }));
    expect(error.message).toMatch(
      /^Could not reach Datadog for site datadoghq.eu .* while posting an event \(.+, 1 attempt\(s\)\)$/,
    );
    expect(f.dd.events()).toEqual([]);
  });

  it("a 502 on an event is not retried (the gateway may have passed it on), a 503 is", async () => {
    f.dd.inject({ status: 502, path: "/api/v1/events" });
    const error = await failure(f.datadog.postEvent({ title: "t", text: "x", tags: [] }));
    expect(error.status).toBe(502);
    expect(f.dd.requests().map((r) => r.status)).toEqual([502]);
    f.dd.reset();
    f.dd.inject({ status: 503, path: "/api/v1/events" });
    await f.datadog.postEvent({ title: "t", text: "x", tags: [] });
    expect(f.dd.requests().map((r) => r.status)).toEqual([503, 202]);
    expect(f.dd.events()).toHaveLength(1);
  });

  it("nothing listening is a clear failure after the retries", async () => {
    const port = await refusedPort();
    const datadog = f.client({ baseUrl: `http://127.0.0.1:${port}`, maxRetries: 1 });
    const error = await failure(scalar(datadog));
    expect(error.message).toMatch(
      /^Could not reach Datadog .* while querying metrics \(scalar\) \(ECONNREFUSED, 2 attempt\(s\)\)$/,
    );
  });

  it("stopping dogdriver during a retry wait ends the call as interrupted", async () => {
    const deps = testDeps({ cwd: process.cwd() });
    const datadog = f.client({ retryBaseMs: 30_000, maxRetryWaitMs: 60_000 }, deps);
    f.dd.inject({ status: 503, path: "/api/v2/query" });
    const pending = failure(scalar(datadog));
    setTimeout(() => deps.abort.abort(new Error("stop")), 100);
    expect(await pending).toMatchObject({ code: "interrupted" });
  });
});

describe("validateKeys", () => {
  it("accepts good keys and names the key Datadog rejected", async () => {
    await f.datadog.validateKeys();
    expect(f.dd.requests().map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
      "GET /api/v1/validate 200",
      "GET /api/v1/dashboard 200",
    ]);
    const badApi = await failure(f.client({ apiKey: "bad-api-key-000000000000000000000" }).validateKeys());
    expect(badApi.message).toBe("Datadog rejected the API key (403) for site datadoghq.eu");
    const badApp = await failure(
      f.client({ appKey: "bad-app-key-0000000000000000000000000000" }).validateKeys(),
    );
    expect(badApp.message).toBe("Datadog rejected the application key (403) for site datadoghq.eu");
    await f.client({ appKey: undefined }).validateKeys(); // no application key: only the API key is checked
  });
});
