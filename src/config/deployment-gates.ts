import { parseDurationMs } from "./duration.js";
import type { ConfigFile } from "./schema.js";
import type { DeploymentGatesConfig, ServiceConfig } from "./types.js";

// config deployment_gates as Config holds it. Off unless asked for: a gate changes what deploy pipelines wait
// for, so `provision` makes none on its own. Its own identifier by default, so a team's existing "default" gate
// for the same service/env is left alone.

const DEFAULT_GATE_IDENTIFIER = "dogdriver";

/** A `deployment_gates.services` entry names this service/env: "name" (every env) or "name/env". */
const entryMatches = (entry: string, service: Pick<ServiceConfig, "name" | "env">): boolean =>
  entry === service.name || entry === `${service.name}/${service.env}`;

/** The setting with its defaults (undefined: no gates), and the `services` entries no service matches. */
export const deploymentGatesFrom = (
  raw: ConfigFile["deployment_gates"],
  services: readonly ServiceConfig[],
): { gates?: DeploymentGatesConfig; problems: string[] } => {
  if (raw === undefined || raw === false) return { problems: [] };
  const o = raw === true ? {} : raw;
  const wanted = o.services ?? [];
  const problems = wanted.flatMap((entry, index) => {
    if (services.some((s) => entryMatches(entry, s))) return [];
    const known = services.map((s) => `${s.name}/${s.env}`).join(", ") || "none";
    return [
      `deployment_gates.services[${index}]: "${entry}" is not a configured service (configured: ${known})`,
    ];
  });
  return {
    gates: {
      services: [...wanted],
      identifier: o.identifier ?? DEFAULT_GATE_IDENTIFIER,
      dryRun: o.dry_run ?? false,
      durationSeconds: Math.round((parseDurationMs(o.duration ?? "0s") ?? 0) / 1000),
    },
    problems,
  };
};

/** Whether a service/env gets a gate under this setting. */
export const isGated = (
  gates: DeploymentGatesConfig,
  service: Pick<ServiceConfig, "name" | "env">,
): boolean => gates.services.length === 0 || gates.services.some((entry) => entryMatches(entry, service));
