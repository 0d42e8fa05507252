import { execa } from "execa";
import type { Outcome } from "../cli/exit-codes.js";
import { type GlobalOptions, loadCommandConfig } from "../cli/global-options.js";
import type { Config } from "../config/types.js";
import { configWarnings } from "../config/warnings.js";
import { DogdriverError, isDogdriverError } from "../errors.js";
import { findPython } from "../runner/runner-parts.js";
import type { Deps } from "../state/deps.js";
import { openStore } from "../store/open-store.js";

export interface CheckOptions extends GlobalOptions {}

interface CheckResult {
  name: string;
  ok: boolean;
  /** Works, but not as meant: shown, yet `check` still passes. */
  warning?: boolean;
  detail: string;
}

const message = (error: unknown): string =>
  isDogdriverError(error) ? error.message : String((error as Error)?.message ?? error);

// Writes, reads back and deletes a small object under _dogdriver/check/, so "reachable" means "usable".
const checkStore = async (config: Config, deps: Deps): Promise<CheckResult> => {
  const store = openStore(config.store, deps);
  const path = `check/${config.source}-${deps.clock.now()}.txt`;
  try {
    await store.writeBlob(path, "dogdriver check\n");
    const back = await store.readBlob(path);
    await store.deleteBlob(path);
    if (back?.body !== "dogdriver check\n")
      return {
        name: "store",
        ok: false,
        detail: `${store.url}: wrote an object but read back something else`,
      };
    let runs = 0;
    for await (const _ of store.listRunKeys()) runs += 1;
    return {
      name: "store",
      ok: true,
      detail: `${store.url}: readable and writable, ${runs} run record${runs === 1 ? "" : "s"}`,
    };
  } catch (error) {
    return { name: "store", ok: false, detail: message(error) };
  } finally {
    store.close?.();
  }
};

const checkMolotov = async (deps: Deps): Promise<CheckResult> => {
  const python = findPython(deps.env);
  try {
    const { stdout } = await execa(python, ["-c", "import molotov; print(molotov.__version__)"], {
      env: { ...deps.env },
      extendEnv: false,
      timeout: 20_000,
      cancelSignal: deps.signal,
    });
    return { name: "molotov", ok: true, detail: `Molotov ${stdout.trim()} (${python})` };
  } catch {
    return {
      name: "molotov",
      ok: false,
      detail: `${python} cannot import molotov: install it (Debian/Ubuntu: apt-get install python3-molotov; elsewhere: pip install molotov) or set DOGDRIVER_PYTHON`,
    };
  }
};

const checkDatadog = async (config: Config, deps: Deps): Promise<CheckResult> => {
  if (!deps.env.DD_API_KEY) {
    return {
      name: "datadog",
      ok: true,
      detail: "no DD_API_KEY: run and aggregate will skip Datadog, provision will refuse",
    };
  }
  try {
    const { createDatadog, datadogSettingsFromEnv } = await import("../datadog/client.js");
    const settings = datadogSettingsFromEnv(deps.env, config);
    const datadog = createDatadog(settings, deps);
    await datadog.validateKeys();
    const appKey = settings.appKey
      ? "API and application keys accepted"
      : "API key accepted; no DD_APP_KEY: aggregate cannot query server metrics and provision will refuse";
    return { name: "datadog", ok: true, detail: `${settings.site}: ${appKey}` };
  } catch (error) {
    return { name: "datadog", ok: false, detail: message(error) };
  }
};

/** Validates the configuration, store access, Molotov and the Datadog keys, and says what is wrong. */
export const checkCommand = async (options: CheckOptions, deps: Deps): Promise<Outcome> => {
  const config = await loadCommandConfig(options, deps); // an invalid config throws: exit 3 with every problem
  const services = config.services.map((s) => `${s.name}/${s.env}`).join(", ") || "none";
  const results: CheckResult[] = [
    {
      name: "config",
      ok: true,
      detail: `${config.file}: valid; services: ${services}; source: ${config.source}`,
    },
    ...configWarnings(config).map((detail) => ({ name: "config", ok: true, warning: true, detail })),
    await checkStore(config, deps),
    await checkMolotov(deps),
    await checkDatadog(config, deps),
  ];
  for (const r of results) {
    const status = !r.ok ? "FAIL" : r.warning ? "warn" : "ok  ";
    deps.stderr.write(`${status} ${r.name.padEnd(8)} ${r.detail}\n`);
  }
  const failed = results.filter((r) => !r.ok);
  if (failed.length > 0) {
    throw new DogdriverError("check_failed", `check: ${failed.map((r) => r.name).join(", ")} failed`);
  }
  return "ok";
};
