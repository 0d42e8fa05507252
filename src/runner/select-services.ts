import type { Config, ServiceConfig } from "../config/types.js";
import { DogdriverError } from "../errors.js";

/** The services `run` was asked for: `--all`, or names as "name" (every env) or "name/env". */
export const selectServices = (config: Config, names: readonly string[], all: boolean): ServiceConfig[] => {
  if (all && names.length > 0) throw new DogdriverError("usage", "run: name services or use --all, not both");
  if (!all && names.length === 0)
    throw new DogdriverError("usage", "run: name at least one service, or use --all");
  if (config.services.length === 0)
    throw new DogdriverError("invalid_config", `${config.file}: no services configured`);
  if (all) return config.services;
  const chosen = new Set<ServiceConfig>();
  for (const name of names) {
    const [serviceName, env] = name.split("/", 2);
    const matches = config.services.filter(
      (s) => s.name === serviceName && (env === undefined || s.env === env),
    );
    if (matches.length === 0) {
      const known = config.services.map((s) => `${s.name}/${s.env}`).join(", ");
      throw new DogdriverError(
        "usage",
        `run: no configured service "${name}" in ${config.file} (configured: ${known})`,
      );
    }
    for (const match of matches) chosen.add(match);
  }
  return [...chosen];
};
