import { createDatadog } from "../../src/datadog/client.js";
import type { DatadogApi, DatadogSettings } from "../../src/datadog/types.js";
import { type Emulator, startDatadogEmulator } from "../support/datadog-emulator/index.js";
import { type TestDeps, testDeps } from "../support/deps.js";

// A client pointed at a fresh emulator, with short retry waits so fault tests stay fast.

export interface Fixture {
  dd: Emulator;
  datadog: DatadogApi;
  deps: TestDeps;
  /** Another client on the same emulator with other settings (bad keys, other timeouts). */
  client(overrides: Partial<DatadogSettings>, deps?: TestDeps): DatadogApi;
}

export const startFixture = async (overrides: Partial<DatadogSettings> = {}): Promise<Fixture> => {
  const dd = await startDatadogEmulator();
  const deps = testDeps({ cwd: process.cwd() });
  const client = (more: Partial<DatadogSettings>, clientDeps = deps) =>
    createDatadog(
      {
        apiKey: dd.apiKey,
        appKey: dd.appKey,
        site: "datadoghq.eu",
        baseUrl: dd.url,
        timeoutMs: 3000,
        maxRetries: 3,
        retryBaseMs: 20,
        ...overrides,
        ...more,
      },
      clientDeps,
    );
  return { dd, deps, datadog: client({}), client };
};
