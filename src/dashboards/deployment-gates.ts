import { isGated } from "../config/deployment-gates.js";
import type { Config } from "../config/types.js";
import { identityTag } from "./monitors.js";
import type { JsonObject } from "./types.js";

// The Datadog Deployment Gates `provision` owns (config deployment_gates, docs/verify.md): per configured
// service/env, a gate (identity: service, env, identifier) holding one monitor rule that selects the groups of
// dogdriver's release-regression monitor for that service and env. A release that dogdriver judged a regression
// (from the schedule or from `dogdriver verify`) makes that monitor alert, and the gate then fails
// `datadog-ci deployment gate` and Datadog's deployment pipelines. Bodies are Datadog's snake_case JSON.

/** The rule's name: its identity within the gate (Datadog keeps names unique per gate). */
const GATE_RULE_NAME = "dogdriver release regression";

export interface GateDefinition {
  /** "service/env". */
  key: string;
  service: string;
  env: string;
  identifier: string;
  /** CreateDeploymentGateParams' attributes. */
  gate: JsonObject;
  /** CreateDeploymentRuleParams' attributes. */
  rule: JsonObject;
}

/**
 * The monitor search (Datadog's Search Monitor syntax) of the rule: the regression monitor by its identity tag,
 * narrowed to the groups of one service and env. The monitor is multi-alert by env, service, location and
 * version; `group:` terms keep the matching groups only (Deployment Gates docs, "Rule types"), every location
 * and version of that service/env.
 */
const regressionMonitorSearch = (service: string, env: string): string =>
  `tag:"${identityTag("release_regression")}" group:"service:${service}" group:"env:${env}"`;

/** One gate and rule per gated service/env, in configuration order; none without config deployment_gates. */
export const buildDeploymentGates = (
  config: Pick<Config, "services" | "deploymentGates">,
): GateDefinition[] => {
  const settings = config.deploymentGates;
  if (settings === undefined) return [];
  return config.services
    .filter((s) => isGated(settings, s))
    .map((s) => ({
      key: `${s.name}/${s.env}`,
      service: s.name,
      env: s.env,
      identifier: settings.identifier,
      // The gate itself is never dry-run: dry_run (config) applies to dogdriver's rule only, so that a shared gate
      // ("default") keeps the evaluation mode its owners chose for their rules.
      gate: { service: s.name, env: s.env, identifier: settings.identifier, dry_run: false },
      rule: {
        name: GATE_RULE_NAME,
        type: "monitor",
        dry_run: settings.dryRun,
        options: {
          query: regressionMonitorSearch(s.name, s.env),
          duration: settings.durationSeconds,
          // No group yet is the normal state of a release dogdriver has not judged (no verdict series): it must
          // not block a deploy. The monitor never notifies no data (monitors.ts), so NO DATA is not a regression.
          fail_on_no_groups_found: false,
          fail_on_no_data: false,
        },
      },
    }));
};
