import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ServiceConfig } from "../config/types.js";
import { isDogdriverError } from "../errors.js";
import { boundedFetch } from "../http/bounded-fetch.js";
import { readDeployedVersion } from "../runner/deployed-version.js";
import { readTestPlan } from "../runner/molotov-config.js";
import { checkoutTest } from "../runner/test-checkout.js";
import { testEnv } from "../runner/test-env.js";
import type { Deps } from "../state/deps.js";
import { redactUrl } from "../text/redact-url.js";
import { probeMolotov } from "./molotov-probe.js";
import type { CheckResult } from "./types.js";

// One service's checks, each as `run` would meet it: the endpoint answers, the version reads, the test checks
// out, names an existing test and a scenario file that Molotov loads with dogdriver's extension. A git test is
// cloned into a temporary directory removed afterwards: `check` leaves nothing behind.

const ENDPOINT_TIMEOUT_MS = 10_000;

const message = (error: unknown): string =>
  isDogdriverError(error) ? error.message : String((error as Error)?.message ?? error);

/**
 * Any HTTP answer counts (a 404 at the root is common, a 405 to HEAD too); no answer is the failure. HEAD: the
 * root's page is not needed. Through the bounded fetch, whose own timer fires even after a GC (AbortSignal.any's
 * does not on Node 20) and which names a port fetch refuses.
 */
const checkEndpoint = async (url: string, deps: Deps): Promise<Omit<CheckResult, "service">> => {
  try {
    const answer = await boundedFetch(url, {
      method: "HEAD",
      redirect: "manual",
      timeoutMs: ENDPOINT_TIMEOUT_MS,
      maxBytes: 64 * 1024,
      clock: deps.clock,
      signal: deps.signal,
    });
    return { check: "endpoint", status: "ok", detail: `${redactUrl(url)} answers (HTTP ${answer.status})` };
  } catch (error) {
    return { check: "endpoint", status: "fail", detail: `${redactUrl(url)} unreachable: ${message(error)}` };
  }
};

const checkVersion = async (
  service: ServiceConfig,
  { signal, clock }: Pick<Deps, "signal" | "clock">,
): Promise<Omit<CheckResult, "service"> & { version?: string }> => {
  const where =
    service.version.fixed !== undefined
      ? "fixed in the config"
      : `${redactUrl(service.version.url ?? "")}, field "${service.version.field ?? "version"}"`;
  try {
    const version = await readDeployedVersion(service.version, signal, clock);
    return { check: "version", status: "ok", detail: `${JSON.stringify(version)} (${where})`, version };
  } catch (error) {
    return { check: "version", status: "fail", detail: message(error) };
  }
};

/** Checks out the test, finds the test name and the scenario, and has Molotov load it with the extension. */
const checkTest = async (
  service: ServiceConfig,
  python: string,
  version: string,
  deps: Deps,
): Promise<Omit<CheckResult, "service">> => {
  const cacheDir = await mkdtemp(join(tmpdir(), "dogdriver-check-"));
  const fail = (detail: string) => ({ check: "test", status: "fail" as const, detail });
  try {
    let dir: string;
    try {
      dir = await checkoutTest({
        test: service.test,
        cwd: deps.cwd,
        cacheDir,
        env: deps.env,
        signal: deps.signal,
      });
    } catch (error) {
      return fail(message(error));
    }
    let plan: Awaited<ReturnType<typeof readTestPlan>>;
    try {
      plan = await readTestPlan(dir, service.test.name);
    } catch (error) {
      return fail(message(error));
    }
    const scenarioPath = join(plan.dir, plan.scenario);
    if (
      plan.scenario.endsWith(".py") &&
      !(await stat(scenarioPath).then(
        (s) => s.isFile(),
        () => false,
      ))
    ) {
      return fail(`scenario file not found: ${scenarioPath} (${plan.origin})`);
    }
    const origin = `${plan.origin}, scenario ${plan.scenario}`;
    if (plan.requirements !== undefined) {
      return {
        check: "test",
        status: "warn",
        detail: `${origin}: found; not loaded, its requirements (${plan.requirements}) are installed by run only`,
      };
    }
    const probe = await probeMolotov({
      python,
      cwd: plan.dir,
      env: testEnv(deps, plan, service, version),
      scenario: plan.scenario,
      signal: deps.signal,
    });
    if (probe.molotov === undefined || !probe.extension) return fail(`${origin}: ${probe.error}`);
    if (probe.error !== undefined) return fail(`${origin}: Molotov cannot load it: ${probe.error}`);
    if (!probe.scenarios) return fail(`${origin}: defines no @molotov.scenario`);
    return {
      check: "test",
      status: "ok",
      detail: `${origin}: ${probe.scenarios} scenario${probe.scenarios === 1 ? "" : "s"} loaded by Molotov ${probe.molotov}`,
    };
  } finally {
    await rm(cacheDir, { recursive: true, force: true });
  }
};

/**
 * Every check of one service, in the order `run` meets them. Without `python` (its Molotov is one dogdriver does
 * not run on, said once by the molotov check) the test is not loaded.
 */
export const checkService = async (
  service: ServiceConfig,
  python: string | undefined,
  deps: Deps,
): Promise<CheckResult[]> => {
  const label = `${service.name}/${service.env}`;
  const endpoint = await checkEndpoint(service.endpoint, deps);
  const { version, ...versionResult } = await checkVersion(service, deps);
  // The scenario may read DOGDRIVER_VERSION at import; without a version it gets a placeholder.
  const test =
    python === undefined
      ? {
          check: "test",
          status: "warn" as const,
          detail: "not loaded: dogdriver does not run on the Molotov found (the molotov check above)",
        }
      : await checkTest(service, python, version ?? "unknown", deps);
  return [endpoint, versionResult, { ...test, detail: redactUrl(test.detail) }].map((r) => ({
    ...r,
    service: label,
  }));
};
