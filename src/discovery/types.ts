import type { ServiceConfig } from "../config/types.js";

// Shapes of Software Catalog discovery (docs/fleet.md).

/** A catalog entry that could not become a service: printed as one line on stderr, and skipped. */
export interface CatalogProblem {
  /** The entity's name, made safe to print. */
  entity: string;
  /** Where in the definition ("extensions.dogdriver.endpoint"). */
  field: string;
  message: string;
}

export interface Discovery {
  /** The configured services, then the catalog's (config first: it wins a conflict). */
  services: ServiceConfig[];
  /** How many services the catalog added. */
  discovered: number;
  problems: CatalogProblem[];
  /** Catalog entries the config overrides (same name and env), as lines. */
  overridden: string[];
  /** Which API answered, for `check`. */
  api: "entity" | "service-definition";
}
