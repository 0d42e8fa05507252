import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { type Emulator, startDatadogEmulator } from "../support/datadog-emulator/index.js";
import { testDeps } from "../support/deps.js";

const configDir = async (config: unknown) => {
  const dir = await mkdtemp(join(tmpdir(), "dogdriver-check-"));
  await writeFile(join(dir, "dogdriver.config.json"), JSON.stringify(config));
  return dir;
};

const service = {
  name: "kinto",
  env: "stage",
  endpoint: "http://127.0.0.1:9",
  test: { repo: "./loadtests" },
};

describe("dogdriver check", () => {
  let dd: Emulator;
  beforeAll(async () => {
    dd = await startDatadogEmulator();
  });
  afterAll(() => dd.close());

  it("reports every part ok with a usable store, Molotov and accepted keys", async () => {
    const cwd = await configDir({ store: "file://./runs", services: [service] });
    const deps = testDeps({
      cwd,
      env: { PATH: process.env.PATH, DD_API_KEY: dd.apiKey, DD_APP_KEY: dd.appKey, DOGDRIVER_DD_URL: dd.url },
    });
    expect(await main(["check"], deps, "0.0.0")).toBe(0);
    const out = deps.stderr.text();
    expect(out).toMatch(/^ok {3}config +dogdriver\.config\.json: valid; services: kinto\/stage/m);
    expect(out).toMatch(/^ok {3}store +file:\/\/.*runs: readable and writable, 0 run records/m);
    expect(out).toMatch(/^ok {3}molotov +Molotov \d/m);
    expect(out).toMatch(/^ok {3}datadog +datadoghq\.com: API and application keys accepted/m);
    expect(out).not.toContain(dd.apiKey);
  });

  it("warns when a service's points would be too old for Datadog, and still exits 0", async () => {
    const slow = { ...service, test: { ...service.test, timeout: "50m" } };
    const cwd = await configDir({ store: "file://./runs", services: [slow] });
    const deps = testDeps({ cwd, env: { PATH: process.env.PATH } });
    expect(await main(["check"], deps, "0.0.0")).toBe(0);
    const out = deps.stderr.text();
    expect(out).toMatch(/^ok {3}config +dogdriver\.config\.json: valid/m);
    expect(out).toMatch(
      /^warn config +service "kinto" \(env "stage"\): test\.timeout 50m \+ settle 10m \+ up to 5m until the next aggregate .* = 1h5m, beyond the 55m within which Datadog accepts a run's points/m,
    );
    expect(out).not.toContain("failed");
  });

  it("names the rejected key, never showing it, and exits 1", async () => {
    const cwd = await configDir({ services: [service] });
    const wrongKey = "ffffffffffffffffffffffffffffffff";
    const deps = testDeps({
      cwd,
      env: { PATH: process.env.PATH, DD_API_KEY: wrongKey, DOGDRIVER_DD_URL: dd.url },
    });
    expect(await main(["check"], deps, "0.0.0")).toBe(1);
    const out = deps.stderr.text();
    expect(out).toMatch(/^FAIL datadog +.*API key.*403/m);
    expect(out).toContain("check: datadog failed");
    expect(out).not.toContain(wrongKey);
  });

  it("says when Molotov is missing", async () => {
    const cwd = await configDir({ services: [service] });
    const deps = testDeps({ cwd, env: { PATH: process.env.PATH, DOGDRIVER_PYTHON: "/nonexistent/python3" } });
    expect(await main(["check"], deps, "0.0.0")).toBe(1);
    expect(deps.stderr.text()).toContain(
      "FAIL molotov  /nonexistent/python3 cannot import molotov: install it (Debian/Ubuntu: apt-get install python3-molotov",
    );
  });

  it("stops at an invalid configuration with exit 3 and every problem", async () => {
    const cwd = await configDir({ settle: "soon", services: [{ ...service, endpoint: "kinto" }] });
    const deps = testDeps({ cwd, env: {} });
    expect(await main(["check"], deps, "0.0.0")).toBe(3);
    expect(deps.stderr.text()).toContain('services[0].endpoint: expected an http(s) URL, got "kinto"');
    expect(deps.stderr.text()).toContain("settle: expected a duration");
  });
});
