import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDatadog } from "../../src/datadog/client.js";
import type { DatadogSettings } from "../../src/datadog/types.js";
import { type Emulator, startDatadogEmulator } from "../support/datadog-emulator/index.js";
import { testDeps } from "../support/deps.js";

// Keys appear in no error message, detail, stack or log line, even when Datadog echoes them back.

const API_KEY = "aaaabbbbccccddddeeeeffff00001111";
const APP_KEY = "9999888877776666555544443333222211110000";
let dd: Emulator;
beforeAll(async () => {
  // The emulator expects other keys, so every call made with these is refused.
  dd = await startDatadogEmulator();
});
afterAll(async () => dd?.close());

const secretsIn = (text: string) => text.includes(API_KEY) || text.includes(APP_KEY);

describe("key redaction", () => {
  it("covers every error path and the logs", async () => {
    const deps = testDeps({ cwd: process.cwd() });
    const debugLines: string[] = [];
    deps.log.debug = (line) => void debugLines.push(line);
    const settings: DatadogSettings = {
      apiKey: API_KEY,
      appKey: APP_KEY,
      site: "datadoghq.eu",
      baseUrl: dd.url,
      timeoutMs: 300,
      maxRetries: 1,
      retryBaseMs: 10,
    };
    const datadog = createDatadog(settings, deps);
    const t = Date.now() - 60_000;
    const attempts: Promise<unknown>[] = [];
    const run = (fn: () => Promise<unknown>) =>
      attempts.push(
        fn().then(
          () => new Error("expected a failure"),
          (e: unknown) => e,
        ),
      );

    run(() => datadog.submitMetrics([{ metric: "m", tags: [], points: [{ timestampMs: t, value: 1 }] }])); // 403
    run(() => datadog.queryScalar(t, t + 1000, [{ name: "a", query: "avg:m{*}" }])); // 403 with both keys
    await Promise.all(attempts);
    // Datadog echoing a key back in an error body, a 5xx retried, a timeout, a reset.
    dd.inject({
      status: 400,
      body: { errors: [`invalid key ${API_KEY} / ${APP_KEY}`] },
      path: "/api/v1/events",
    });
    run(() => datadog.postEvent({ title: "t", text: "x", tags: [] }));
    dd.inject({
      status: 503,
      times: 2,
      body: { errors: [`upstream said ${APP_KEY}`] },
      path: "/api/v1/dashboard",
    });
    run(() => datadog.listDashboards());
    dd.inject({ hang: true, path: "/api/v1/monitor" });
    run(() => datadog.listMonitors("managed_by:dogdriver"));
    dd.inject({ reset: true, times: 2, path: "/api/v2/query" });
    run(() => datadog.queryTimeseries(t, t + 1000, [{ name: "a", query: "avg:m{*}" }]));
    const errors = await Promise.all(attempts);

    expect(errors).toHaveLength(6);
    for (const error of errors) {
      const e = error as Error & { details?: string[] };
      expect(e).toBeInstanceOf(Error);
      const everything = [
        e.message,
        e.stack ?? "",
        ...(e.details ?? []),
        JSON.stringify(e),
        String(e.cause ?? ""),
      ].join("\n");
      expect(secretsIn(everything), everything).toBe(false);
    }
    expect((errors[2] as Error).message).toBe(
      "Datadog refused posting an event (400): invalid key [redacted] / [redacted]",
    );
    const logs = [deps.stderr.text(), deps.stdout.text(), ...debugLines].join("\n");
    expect(debugLines.length).toBeGreaterThan(0);
    expect(secretsIn(logs)).toBe(false);
    // The emulator's request log keeps whether a key was valid, never the key itself.
    expect(secretsIn(JSON.stringify(dd.requests()))).toBe(false);
  });
});
