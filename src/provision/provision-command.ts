import { loadCommandConfig } from "../config/command-config.js";
import { createDatadog } from "../datadog/client.js";
import { datadogSettingsFromEnv } from "../datadog/settings.js";
import { DogdriverError } from "../errors.js";
import type { Deps } from "../state/deps.js";
import type { GlobalOptions } from "../state/global-options.js";
import type { Outcome } from "../state/outcome.js";
import { openStore } from "../store/open-store.js";
import { provision } from "./provision.js";

export interface ProvisionOptions extends GlobalOptions {
  dryRun?: boolean;
  prune?: boolean;
  /** A dashboard for this one service (the fleet-wide monitors are left alone). */
  service?: string;
  /** The plan as JSON on stdout. */
  json?: boolean;
  /** terraform: Terraform JSON of what provision would create, on stdout; needs no keys and changes nothing. */
  format?: "terraform";
}

export const provisionCommand = async (options: ProvisionOptions, deps: Deps): Promise<Outcome> => {
  const config = await loadCommandConfig(options, deps);
  if (options.service !== undefined) {
    if (!config.services.some((s) => s.name === options.service)) {
      const known = config.services.map((s) => s.name).join(", ") || "none";
      throw new DogdriverError(
        "usage",
        `--service ${options.service}: not a configured service (configured: ${known})`,
      );
    }
    if (options.prune)
      throw new DogdriverError(
        "usage",
        "--prune deletes monitors, which --service (a per-service dashboard) leaves alone",
      );
  }
  const settings = datadogSettingsFromEnv(deps.env, config);
  const terraform = options.format === "terraform";
  const hasKeys = Boolean(settings.apiKey && settings.appKey) && !terraform;
  const result = await provision(
    {
      config,
      ...(options.service === undefined ? {} : { service: options.service }),
      dryRun: Boolean(options.dryRun),
      prune: Boolean(options.prune),
      output: terraform ? "terraform" : options.json ? "json" : "text",
    },
    {
      api: hasKeys ? createDatadog(settings, deps) : undefined,
      site: settings.site,
      store: openStore(config.store, deps),
      log: deps.log,
      write: (text) => deps.stdout.write(text),
    },
  );
  if (!options.dryRun && !terraform)
    deps.log.info(
      result.changes === 0 ? "provision: no changes" : `provision: ${result.changes} change(s) made`,
    );
  return "ok";
};
