import type { Config } from "../config/types.js";
import type { DatadogApi } from "../datadog/types.js";
import { DogdriverError } from "../errors.js";
import type { Logger } from "../state/deps.js";
import { readDogdriverBlock } from "./dogdriver-block.js";
import type { CatalogProblem, Discovery } from "./types.js";

// `discover.datadog`: the configured services plus every Software Catalog entity whose definition carries an
// `extensions.dogdriver` block (docs/fleet.md). Entities without the block are not dogdriver's; a malformed block
// is reported (entity and field) and skipped, so one team's typo never stops the others' runs.

const hasBlock = (extensions: unknown) =>
  extensions !== null && typeof extensions === "object" && "dogdriver" in extensions;

/** One stderr line per malformed block. */
export const problemLine = (p: CatalogProblem): string =>
  `catalog entity "${p.entity}": ${p.field}: ${p.message}; skipped`;

/** The services a run would test: the config's, plus the catalog's when discovery is on. */
export const discoverServices = async (
  config: Config,
  datadog: DatadogApi | undefined,
): Promise<Discovery | undefined> => {
  const discover = config.discover;
  if (!discover?.datadog) return undefined;
  if (!datadog?.canRead) {
    throw new DogdriverError(
      "invalid_config",
      `${config.file}: discover.datadog needs DD_API_KEY and DD_APP_KEY (the Software Catalog is read with both)`,
    );
  }
  const listing = await datadog.listCatalog(discover.kinds);
  const owners = new Set(discover.owners.map((o) => o.toLowerCase()));
  const configured = new Set(config.services.map((s) => `${s.name}/${s.env}`));
  const seen = new Set(configured);
  const discovery: Discovery = {
    services: [...config.services],
    discovered: 0,
    problems: [],
    overridden: [],
    api: listing.api,
  };
  for (const definition of listing.definitions) {
    if (!hasBlock(definition.extensions)) continue;
    if (owners.size > 0 && !owners.has(definition.owner?.toLowerCase() ?? "")) continue;
    if (!discover.tags.every((tag) => definition.tags.includes(tag))) continue;
    const { services, problems } = readDogdriverBlock(definition, discover.localRepoDirs);
    discovery.problems.push(...problems);
    for (const service of services) {
      const key = `${service.name}/${service.env}`;
      if (configured.has(key)) {
        discovery.overridden.push(
          `catalog entity "${service.name}": ${key} is also in ${config.file}; the config's entry is used`,
        );
      } else if (seen.has(key)) {
        discovery.problems.push({
          entity: service.name,
          field: "extensions.dogdriver.env",
          message: `${key} is described twice`,
        });
      } else {
        seen.add(key);
        discovery.services.push(service);
        discovery.discovered += 1;
      }
    }
  }
  return discovery;
};

/**
 * The configuration with the services a run would test (`run`, `verify`): the catalog's added when discovery is
 * on, each entity the config overrides said (info), each malformed block warned of and skipped.
 */
export const withDiscovered = async (
  config: Config,
  datadog: DatadogApi | undefined,
  log: Pick<Logger, "info" | "warn">,
): Promise<Config> => {
  const discovery = await discoverServices(config, datadog);
  if (discovery === undefined) return config;
  for (const line of discovery.overridden) log.info(line);
  for (const problem of discovery.problems) log.warn(problemLine(problem));
  return { ...config, services: discovery.services };
};
