import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ProvisionOptions, provisionCommand } from "../../src/provision/provision-command.js";
import type { Emulator } from "../support/datadog-emulator/index.js";
import { testDeps } from "../support/deps.js";

// A working directory with a config file and a file:// store, and provision run through its command function
// against the emulator with the real client (DOGDRIVER_DD_URL).

export const service = (name: string, queries: Record<string, string> = { latency_ms: "avg:x{*}" }) => ({
  name,
  env: "stage",
  endpoint: `https://${name}.example.com`,
  test: { repo: "https://github.com/example/loadtests" },
  queries,
});

export const baseConfig = () => ({
  store: "file://./.dogdriver",
  source: "ci-runner",
  services: [service("kinto", { latency_ms: "avg:a{*}", cpu_pct: "avg:b{*}" }), service("autopush")],
  alerts: { notify: ["@slack-perf"], regression_pct: 10, error_rate_pct: 5, stale_hours: 6 },
});

export const workDir = async (config: object = baseConfig()): Promise<string> => {
  const dir = await mkdtemp(join(tmpdir(), "dogdriver-provision-"));
  await writeConfig(dir, config);
  return dir;
};

export const writeConfig = (dir: string, config: object) =>
  writeFile(join(dir, "dogdriver.config.json"), JSON.stringify(config, null, 2));

export const runProvision = async (
  dd: Emulator | undefined,
  cwd: string,
  options: Partial<ProvisionOptions> = {},
  extraEnv: Record<string, string> = {},
) => {
  const env =
    dd === undefined
      ? extraEnv
      : { DD_API_KEY: dd.apiKey, DD_APP_KEY: dd.appKey, DOGDRIVER_DD_URL: dd.url, ...extraEnv };
  const deps = testDeps({ cwd, env });
  let error: unknown;
  try {
    await provisionCommand({ ...options }, deps);
  } catch (e) {
    error = e;
  }
  return { stdout: deps.stdout.text(), stderr: deps.stderr.text(), error };
};

/** The requests that change something in Datadog (validation is not a change). */
export const writes = (dd: Emulator) =>
  dd
    .requests()
    .filter((r) => r.method !== "GET" && !r.path.endsWith("/validate"))
    .map((r) => `${r.method} ${r.path}`);
