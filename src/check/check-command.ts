import { access, constants, stat } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { loadCommandConfig } from "../config/command-config.js";
import { DEFAULT_CONFIG_NAMES } from "../config/load.js";
import type { Config } from "../config/types.js";
import { configWarnings } from "../config/warnings.js";
import { unnotifiedWarnings } from "../dashboards/notify-routes.js";
import type { DatadogSettings } from "../datadog/types.js";
import { checkDiscovery } from "../discovery/check-discovery.js";
import { DogdriverError, isDogdriverError } from "../errors.js";
import { childEnv } from "../runner/child-env.js";
import { PIP_INSTALL, unsupportedVersions } from "../runner/molotov-support.js";
import { findPython } from "../runner/runner-parts.js";
import type { Deps } from "../state/deps.js";
import type { GlobalOptions } from "../state/global-options.js";
import type { Outcome } from "../state/outcome.js";
import { fileStoreRoot } from "../store/file-store.js";
import { openStore } from "../store/open-store.js";
import { checkService } from "./check-service.js";
import { probeMolotov } from "./molotov-probe.js";
import type { CheckReport, CheckResult } from "./types.js";

export interface CheckOptions extends GlobalOptions {
  json?: boolean;
}

const message = (error: unknown): string =>
  isDogdriverError(error) ? error.message : String((error as Error)?.message ?? error);

/** The nearest directory of `path` that exists (the path itself when it does). */
const nearestExisting = async (path: string): Promise<string> => {
  let dir = path;
  while (
    !(await stat(dir).then(
      () => true,
      () => false,
    )) &&
    dirname(dir) !== dir
  )
    dir = dirname(dir);
  return dir;
};

// Reads only: `check` must leave no trace, so a file:// store is checked for write permission rather than
// written, and one that does not exist yet is reported as created by the first run. An s3:// store gets a
// small object written, read back and deleted (nothing can say "writable" short of writing).
const checkStore = async (config: Config, deps: Deps): Promise<CheckResult> => {
  const fail = (detail: string): CheckResult => ({ check: "store", status: "fail", detail });
  let writable = "readable and writable";
  if (config.store.startsWith("file:")) {
    let root: string;
    try {
      root = fileStoreRoot(config.store, deps.cwd);
    } catch (error) {
      return fail(message(error));
    }
    const existing = await nearestExisting(root);
    try {
      await access(existing, constants.W_OK);
    } catch {
      return fail(`${config.store}: ${existing} is not writable`);
    }
    if (existing !== root) {
      return { check: "store", status: "ok", detail: `${root} does not exist yet: the first run creates it` };
    }
  }
  const store = openStore(config.store, deps);
  try {
    if (!config.store.startsWith("file:")) {
      const path = `check/${config.source}-${deps.clock.now()}.txt`;
      await store.writeBlob(path, "dogdriver check\n");
      const back = await store.readBlob(path);
      await store.deleteBlob(path);
      if (back?.body !== "dogdriver check\n")
        return fail(`${store.url}: wrote an object but read back something else`);
    } else writable = "readable, writable directory";
    let runs = 0;
    for await (const _ of store.listRunKeys()) runs += 1;
    return {
      check: "store",
      status: "ok",
      detail: `${store.url}: ${writable}, ${runs} run record${runs === 1 ? "" : "s"}`,
    };
  } catch (error) {
    return fail(message(error));
  } finally {
    store.close?.();
  }
};

const INSTALL_HINT = `install it (Debian/Ubuntu: apt-get install python3-molotov; elsewhere: ${PIP_INSTALL}) or set DOGDRIVER_PYTHON`;

/** The molotov finding, and whether the Molotov or Python found is one dogdriver does not run on (exit 3). */
const checkMolotov = async (
  python: string,
  deps: Deps,
): Promise<{ result: CheckResult; unsupported: boolean }> => {
  const fail = (detail: string, unsupported = false) => ({
    result: { check: "molotov", status: "fail" as const, detail },
    unsupported,
  });
  // From "/": a folder of the working directory named molotov would import as a namespace package.
  const probe = await probeMolotov({
    python,
    cwd: "/",
    env: childEnv(deps.env), // never the keys: the probe runs Python as a test would
    signal: deps.signal,
  });
  const unsupported = unsupportedVersions(probe, python);
  if (unsupported !== undefined) return fail(unsupported, true);
  if (probe.molotov === undefined) return fail(`${python} cannot import molotov: ${INSTALL_HINT}`);
  const found = `Molotov ${probe.molotov}, Python ${probe.python} (${python})`;
  if (!probe.extension) return fail(`${found} cannot run dogdriver's capture extension: ${probe.error}`);
  return {
    result: { check: "molotov", status: "ok", detail: `${found}, dogdriver's capture extension loads` },
    unsupported: false,
  };
};

/** The URL every Datadog call goes to: DOGDRIVER_DD_URL when set, else the site's API host. */
const datadogUrl = (baseUrl: string | undefined, site: string) => baseUrl ?? `https://api.${site}`;

const checkDatadog = async (config: Config, deps: Deps): Promise<{ result: CheckResult; url: string }> => {
  let settings: DatadogSettings;
  const { createDatadog } = await import("../datadog/client.js");
  const { datadogSettingsFromEnv } = await import("../datadog/settings.js");
  try {
    settings = datadogSettingsFromEnv(deps.env, config);
  } catch (error) {
    return { result: { check: "datadog", status: "fail", detail: message(error) }, url: "(invalid)" };
  }
  const url = datadogUrl(settings.baseUrl?.replace(/^(https?:\/\/)[^/@\s]*@/, "$1***@"), settings.site);
  // Without keys dogdriver works offline (the demo, `report`), and without DD_APP_KEY without server metrics:
  // warnings, not failures. Both keys accepted is ok.
  if (!settings.apiKey) {
    return {
      result: {
        check: "datadog",
        status: "warn",
        detail: `${url}: no DD_API_KEY: run and aggregate will skip Datadog, provision will refuse`,
      },
      url,
    };
  }
  try {
    await createDatadog(settings, deps).validateKeys();
    const result: CheckResult = settings.appKey
      ? { check: "datadog", status: "ok", detail: `${url}: API and application keys accepted` }
      : {
          check: "datadog",
          status: "warn",
          detail: `${url}: API key accepted; no DD_APP_KEY: aggregate cannot query server metrics and provision will refuse`,
        };
    return { result, url };
  } catch (error) {
    return { result: { check: "datadog", status: "fail", detail: `${url}: ${message(error)}` }, url };
  }
};

const render = (results: CheckResult[], deps: Deps) => {
  for (const r of results) {
    const status = r.status === "fail" ? "FAIL" : r.status === "warn" ? "warn" : "ok  ";
    const detail = r.service ? `${r.service}: ${r.detail}` : r.detail;
    deps.stderr.write(`${status} ${r.check.padEnd(8)} ${detail}\n`);
  }
};

/**
 * `dogdriver check`: the configuration, the store, Molotov and the capture extension, Datadog, and each service
 * as `run` would meet it (endpoint, version, test). Creates nothing. Exit 1 naming every broken piece; 3 for an
 * invalid configuration (which stops it before the other checks).
 */
export const checkCommand = async (options: CheckOptions, deps: Deps): Promise<Outcome> => {
  const config = await loadCommandConfig(options, deps); // an invalid config throws: exit 3 with every problem
  const found = config.file !== "defaults";
  const services = config.services.map((s) => `${s.name}/${s.env}`).join(", ") || "none";
  const python = findPython(deps.env);
  const datadog = await checkDatadog(config, deps);
  const molotov = await checkMolotov(python, deps);
  const results: CheckResult[] = [
    found
      ? {
          check: "config",
          status: "ok",
          detail: `${resolve(deps.cwd, config.file)}: valid; services: ${services}; location: ${config.source}`,
        }
      : {
          check: "config",
          status: "fail",
          detail: `no configuration file found in ${deps.cwd} (looked for ${DEFAULT_CONFIG_NAMES.join(", ")}); pass --config FILE`,
        },
    ...configWarnings(config).map((detail): CheckResult => ({ check: "config", status: "warn", detail })),
    // Per service: alerts.notify, services[].notify or the team's alerts.notify_by_team entry (provision says the same).
    ...(found ? unnotifiedWarnings(config) : []).map(
      (detail): CheckResult => ({ check: "alerts", status: "warn", detail }),
    ),
    await checkStore(config, deps),
    molotov.result,
    datadog.result,
  ];
  const discovery = await checkDiscovery(config, deps);
  results.push(...discovery.results);
  // `run --all` refuses a fleet of none (exit 3); say so here rather than pass.
  if (found && discovery.services.length === 0)
    results.push({
      check: "config",
      status: "warn",
      detail:
        "no services to test: add one under services (or turn on discover.datadog); run --all has nothing to run",
    });
  // An unsupported Molotov is said once, on its own line: the tests are not loaded with it.
  for (const service of discovery.services)
    results.push(...(await checkService(service, molotov.unsupported ? undefined : python, deps)));

  const failed = results.filter((r) => r.status === "fail");
  if (options.json) {
    const report: CheckReport = {
      ok: failed.length === 0,
      config: found ? resolve(deps.cwd, config.file) : null,
      datadog_url: datadog.url,
      checks: results,
    };
    deps.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else render(results, deps);
  if (failed.length > 0) {
    const label = (r: CheckResult) => (r.service ? `${r.service} ${r.check}` : r.check);
    // --quiet drops the FAIL lines above (stderr carries only warnings and errors): the error says why itself.
    // Exit 3 for a Molotov or Python dogdriver does not run on, as `run` says it: nothing else fixes that.
    const code = molotov.unsupported ? "invalid_input" : "check_failed";
    throw new DogdriverError(code, `check: ${failed.map(label).join(", ")} failed`, {
      details: options.quiet && !options.json ? failed.map((r) => `${label(r)}: ${r.detail}`) : [],
    });
  }
  return "ok";
};
