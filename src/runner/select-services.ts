import type { Config, ServiceConfig } from "../config/types.js";
import { DogdriverError } from "../errors.js";

/** "kinto/stage, web/prod", or "none". */
const configuredList = (config: Config) =>
  config.services.map((s) => `${s.name}/${s.env}`).join(", ") || "none";

/**
 * The services `run` was asked for: `--all`, or names as "name" (every env) or "name/env". No name is the one
 * service when the configuration file has exactly one and no discovery (the starter config of `init`): there is
 * nothing else it could mean. Otherwise it is a usage error listing what there is.
 */
export const selectServices = (
  config: Config,
  names: readonly string[],
  all: boolean,
  command: "run" | "verify" = "run",
): ServiceConfig[] => {
  if (all && names.length > 0) throw new DogdriverError("usage", "run: name services or use --all, not both");
  if (!all && names.length === 0) {
    if (config.services.length === 1 && !config.discover?.datadog) return [...config.services];
    const what =
      config.file === "defaults"
        ? "no configuration file found"
        : `configured in ${config.file}: ${configuredList(config)}`;
    throw new DogdriverError("usage", `run: name the services to test, or use --all for every one (${what})`);
  }
  if (config.services.length === 0)
    throw new DogdriverError("invalid_config", `${config.file}: no services configured`);
  if (all) return config.services;
  const chosen = new Set<ServiceConfig>();
  for (const name of names) {
    // Split whole: "kinto/stage/x" is no service, not kinto/stage with the rest dropped.
    const [serviceName, env, ...rest] = name.split("/");
    if (rest.length > 0)
      throw new DogdriverError(
        "usage",
        `${command}: SERVICE "${name}": expected NAME or NAME/ENV, with one "/" at most`,
      );
    const matches = config.services.filter(
      (s) => s.name === serviceName && (env === undefined || s.env === env),
    );
    if (matches.length === 0) {
      throw new DogdriverError(
        "usage",
        `${command}: no configured service "${name}" in ${config.file} (configured: ${configuredList(config)})`,
      );
    }
    for (const match of matches) chosen.add(match);
  }
  return [...chosen];
};
