import { mkdir, mkdtemp, readdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CheckReport } from "../../src/check/types.js";
import { main } from "../../src/cli/main.js";
import { GET_SCENARIO, laterMolotov } from "../runner/runner-fixtures.js";
import { type Emulator, startDatadogEmulator } from "../support/datadog-emulator/index.js";
import { testDeps } from "../support/deps.js";
import { type HttpService, startHttpService } from "../support/http-service.js";
import { standInMolotovPython } from "../support/stand-in-molotov.js";

// `check` against real parts: the project's test service, real Molotov loading the scenario with dogdriver's
// extension, the Datadog emulator. Each broken piece is named, with a non-zero exit, and nothing is created.

const workDir = async (
  config: unknown,
  molotovJson: unknown = { molotov: { tests: { dogdriver: { duration: 1 } } } },
) => {
  const dir = await mkdtemp(join(tmpdir(), "dogdriver-check-"));
  if (config !== undefined) await writeFile(join(dir, "dogdriver.config.json"), JSON.stringify(config));
  await mkdir(join(dir, "loadtests"));
  await writeFile(join(dir, "loadtests", "molotov.json"), JSON.stringify(molotovJson));
  await writeFile(join(dir, "loadtests", "loadtest.py"), GET_SCENARIO());
  return dir;
};

describe("dogdriver check", () => {
  let dd: Emulator;
  let target: HttpService;
  let downUrl: string;
  beforeAll(async () => {
    dd = await startDatadogEmulator();
    target = await startHttpService({ version: "2.4.0" });
    const down = await startHttpService();
    downUrl = down.url;
    await down.close();
  });
  afterAll(async () => {
    await Promise.all([dd.close(), target.close()]);
  });

  const service = (extra: Record<string, unknown> = {}) => ({
    name: "kinto",
    env: "stage",
    endpoint: target.url,
    test: { repo: "./loadtests" },
    ...extra,
  });
  const check = async (dir: string, env: Record<string, string | undefined> = {}, args: string[] = []) => {
    const deps = testDeps({ cwd: dir, env: { PATH: process.env.PATH, ...laterMolotov(), ...env } });
    const exit = await main(["check", ...args], deps, "0.0.0");
    return { exit, out: deps.stderr.text(), stdout: deps.stdout.text() };
  };

  it("reports every part ok, names the config file and the Datadog URL used, and creates nothing", async () => {
    const dir = await workDir({
      store: "file://./runs",
      services: [service()],
      alerts: { notify: ["@ops"] },
    });
    const { exit, out } = await check(dir, {
      DD_API_KEY: dd.apiKey,
      DD_APP_KEY: dd.appKey,
      DOGDRIVER_DD_URL: dd.url,
    });
    expect(out).not.toMatch(/^(FAIL|warn)/m);
    expect(exit).toBe(0);
    expect(out).toMatch(
      new RegExp(`^ok {3}config +${join(dir, "dogdriver.config.json")}: valid; services: kinto/stage`, "m"),
    );
    expect(out).toMatch(/^ok {3}store +.*runs does not exist yet: the first run creates it/m);
    expect(out).toMatch(
      /^ok {3}molotov +Molotov 2\.\d+[\d.]*, Python 3\.\d+\.\d+ \(.*python.*\), dogdriver's capture extension loads/m,
    );
    expect(out).toContain(`ok   datadog  ${dd.url}: API and application keys accepted`);
    expect(out).toContain(`ok   endpoint kinto/stage: ${target.url} answers (HTTP 200)`);
    expect(out).toContain(`ok   version  kinto/stage: "2.4.0" (${target.url}/__version__, field "version")`);
    expect(out).toMatch(
      /^ok {3}test +kinto\/stage: .*loadtests\/molotov\.json, test "dogdriver", scenario loadtest\.py: 1 scenario loaded by Molotov \d/m,
    );
    expect(out).not.toContain(dd.apiKey);
    expect((await readdir(dir)).sort()).toEqual(["dogdriver.config.json", "loadtests"]);
    expect((await readdir(join(dir, "loadtests"))).sort()).toEqual(["loadtest.py", "molotov.json"]);
  });

  it("no configuration file: says so, exits non-zero, creates no store", async () => {
    const dir = await workDir(undefined);
    const { exit, out } = await check(dir);
    expect(exit).toBe(1);
    expect(out).toContain(
      `FAIL config   no configuration file found in ${dir} (looked for dogdriver.config.json, dogdriver.config.yaml, dogdriver.config.yml); pass --config FILE`,
    );
    expect(out).toMatch(/^warn datadog +https:\/\/api\.datadoghq\.com: no DD_API_KEY/m);
    expect(out).toContain("check: config failed");
    expect(await readdir(dir)).toEqual(["loadtests"]);
  });

  it("a config with no services: warns that there is nothing to test, exit 0", async () => {
    const dir = await workDir({});
    const { exit, out } = await check(dir);
    expect(exit).toBe(0);
    expect(out).toMatch(/^warn config +no services to test: add one under services/m);
  });

  it("endpoint down: both the endpoint and the version fail, each named", async () => {
    const dir = await workDir({ services: [service({ endpoint: downUrl })], alerts: { notify: ["@ops"] } });
    const { exit, out } = await check(dir);
    expect(exit).toBe(1);
    expect(out).toContain(`FAIL endpoint kinto/stage: ${downUrl} unreachable: ECONNREFUSED`);
    expect(out).toContain(
      `FAIL version  kinto/stage: version endpoint ${downUrl}/__version__ unreachable: ECONNREFUSED`,
    );
    expect(out).toContain("check: kinto/stage endpoint, kinto/stage version failed");

    // --quiet drops the FAIL lines; the error itself then says why each piece failed.
    const quiet = await check(dir, {}, ["--quiet"]);
    expect(quiet.exit).toBe(1);
    expect(quiet.out).not.toMatch(/^(ok|FAIL)/m);
    expect(quiet.out).toContain(`  kinto/stage endpoint: ${downUrl} unreachable: ECONNREFUSED`);
  });

  it("version field missing", async () => {
    const dir = await workDir({
      services: [service({ version: { url: `${target.url}/__version__`, field: "build.tag" } })],
    });
    const { exit, out } = await check(dir);
    expect(exit).toBe(1);
    expect(out).toContain(
      `FAIL version  kinto/stage: version endpoint ${target.url}/__version__: expected a non-empty string in field "build.tag", got no such field`,
    );
    expect(out).toMatch(/^ok {3}test +kinto\/stage:/m);
    expect(out).toContain("check: kinto/stage version failed");
  });

  it("test name missing from molotov.json", async () => {
    const dir = await workDir({ services: [service({ test: { repo: "./loadtests", name: "nightly" } })] });
    const { exit, out } = await check(dir);
    expect(exit).toBe(1);
    expect(out).toContain(
      `FAIL test     kinto/stage: ${join(dir, "loadtests", "molotov.json")}: \`molotov.tests.nightly\`: no such test (found "dogdriver")`,
    );
    expect(out).toContain("check: kinto/stage test failed");
  });

  it("scenario file missing", async () => {
    const dir = await workDir(
      { services: [service()] },
      { molotov: { tests: { dogdriver: { duration: 1, scenario: "gone.py" } } } },
    );
    const { exit, out } = await check(dir);
    expect(exit).toBe(1);
    expect(out).toContain(
      `FAIL test     kinto/stage: scenario file not found: ${join(dir, "loadtests", "gone.py")} (${join(dir, "loadtests", "molotov.json")}, test "dogdriver")`,
    );
  });

  it("a scenario Molotov cannot load, and monitors that would notify nobody; --json for scripts", async () => {
    const dir = await workDir({ services: [service()] });
    await writeFile(join(dir, "loadtests", "loadtest.py"), "import molotov\nimport no_such_module\n");
    const { exit, stdout, out } = await check(dir, { DOGDRIVER_DD_URL: dd.url }, ["--json"]);
    expect(exit).toBe(1);
    const report = JSON.parse(stdout) as CheckReport;
    expect(report).toMatchObject({
      ok: false,
      config: join(dir, "dogdriver.config.json"),
      datadog_url: dd.url,
    });
    expect(report.checks).toContainEqual({
      check: "alerts",
      status: "warn",
      detail:
        'service "kinto" (env "stage"): the dogdriver monitors notify nobody when it alerts (no alerts.notify, no services[].notify, and it has no team)',
    });
    expect(report.checks).toContainEqual(
      expect.objectContaining({
        check: "test",
        service: "kinto/stage",
        status: "fail",
        detail: expect.stringMatching(
          /scenario loadtest\.py: Molotov cannot load it: ModuleNotFoundError: No module named 'no_such_module'$/,
        ),
      }),
    );
    expect(report.checks.filter((c) => c.status === "fail").map((c) => c.check)).toEqual(["test"]);
    expect(out).toBe("dogdriver: check: kinto/stage test failed\n");
  });

  it("names the rejected key, never showing it, and exits 1", async () => {
    const dir = await workDir({ services: [service()] });
    const wrongKey = "ffffffffffffffffffffffffffffffff";
    const { exit, out } = await check(dir, { DD_API_KEY: wrongKey, DOGDRIVER_DD_URL: dd.url });
    expect(exit).toBe(1);
    expect(out).toMatch(/^FAIL datadog +http:\/\/127\.0\.0\.1:\d+: .*API key.*403/m);
    expect(out).toContain("check: datadog failed");
    expect(out).not.toContain(wrongKey);
  });

  it("an API key without an application key is a warning: check passes, and says what is missing", async () => {
    const dir = await workDir({ services: [service()] });
    const { exit, out } = await check(dir, { DD_API_KEY: dd.apiKey, DOGDRIVER_DD_URL: dd.url });
    expect(exit).toBe(0);
    expect(out).toMatch(/^warn datadog +http:\/\/127\.0\.0\.1:\d+: API key accepted; no DD_APP_KEY/m);
    expect(out).not.toContain(dd.apiKey);
  });

  it("says when Molotov is missing", async () => {
    const dir = await workDir({ services: [service()] });
    const { exit, out } = await check(dir, { DOGDRIVER_PYTHON: "/nonexistent/python3" });
    expect(exit).toBe(1);
    expect(out).toContain(
      "FAIL molotov  /nonexistent/python3 cannot import molotov: install it (Debian/Ubuntu: apt-get install python3-molotov",
    );
  });

  it("an unsupported Molotov: one message naming what was found and what is supported, tests not loaded, exit 3", async () => {
    const dir = await workDir({ services: [service()] });
    const python = await standInMolotovPython(join(dir, "stand-in"), { version: "1.6" });
    const { exit, out } = await check(dir, { DOGDRIVER_PYTHON: python });
    expect(exit).toBe(3);
    const line = out.split("\n").filter((l) => l.includes("is not supported"));
    expect(line).toHaveLength(1);
    expect(line[0]).toMatch(
      new RegExp(
        `^FAIL molotov +Molotov 1\\.6 on Python 3\\.\\d+\\.\\d+ \\(${python}\\) is not supported: Molotov 1\\.6 is older than 2\\.1\\. dogdriver runs on Molotov 2\\.x from 2\\.1 \\(before 3\\.0\\) on Python 3\\.8 to 3\\.13`,
      ),
    );
    expect(out).toContain(
      "warn test     kinto/stage: not loaded: dogdriver does not run on the Molotov found (the molotov check above)",
    );
    expect(out).toContain("check: molotov failed");
  });

  it("warns when a service's points would be too old for Datadog, and stops at an invalid configuration with exit 3", async () => {
    const slow = await workDir({ services: [service({ test: { repo: "./loadtests", timeout: "50m" } })] });
    const warned = await check(slow);
    expect(warned.out).toMatch(/^warn config +service "kinto" \(env "stage"\): test\.timeout 50m/m);
    const invalid = await workDir({ settle: "soon", services: [service({ endpoint: "kinto" })] });
    const { exit, out } = await check(invalid);
    expect(exit).toBe(3);
    expect(out).toContain('services[0].endpoint: expected an http(s) URL, got "kinto"');
    expect(out).toContain("settle: expected a duration");
  });
});
