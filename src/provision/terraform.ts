import type { GateDefinition } from "../dashboards/deployment-gates.js";
import type { MonitorDefinition } from "../dashboards/monitors.js";
import type { JsonObject } from "../dashboards/types.js";
import { DogdriverError } from "../errors.js";
import { appBaseUrl } from "./app-url.js";
import type { Wanted } from "./plan.js";
import { dashboardWithoutReadOnly } from "./read-only.js";

// `provision --format terraform`: the dashboard, monitors and deployment gates provision would create, as
// Terraform JSON (`*.tf.json`) for the DataDog/datadog provider: one datadog_dashboard_json (the body as a JSON
// string, without the fields the provider strips for its diff), one datadog_monitor per monitor and one
// datadog_deployment_gate per gate. datadog_monitor spells the API's `options` as top-level arguments and
// `options.thresholds` as a monitor_thresholds block (the provider's docs/resources/monitor.md), and takes priority
// as a string. Monitors link to the dashboard through its `url` attribute, known once Terraform has created it.

/** The datadog_monitor arguments that are the API's options.<name> under the same name (provider schema). */
const MONITOR_OPTION_ARGUMENTS = new Set([
  "evaluation_delay",
  "escalation_message",
  "include_tags",
  "new_group_delay",
  "no_data_timeframe",
  "notify_audit",
  "notify_by",
  "notify_no_data",
  "on_missing_data",
  "renotify_interval",
  "renotify_occurrences",
  "renotify_statuses",
  "require_full_window",
  "timeout_h",
]);

/** Terraform reads `${` and `%{` in a JSON string as a template: literal text doubles them. */
export const escapeTemplate = (text: string): string => text.replace(/([$%])\{/g, "$1$1{");

const escapeAll = (value: unknown): unknown => {
  if (typeof value === "string") return escapeTemplate(value);
  if (Array.isArray(value)) return value.map(escapeAll);
  if (value !== null && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, escapeAll(v)]));
  return value;
};

/** Resource names: letters, digits, "_" and "-", starting with a letter. */
const resourceName = (key: string): string => `dogdriver_${key.replace(/[^a-zA-Z0-9_-]/g, "_")}`;

/** A monitor's API body as datadog_monitor arguments. */
export const monitorResource = (body: JsonObject): JsonObject => {
  const { options, priority, ...top } = body;
  const resource: JsonObject = { ...top };
  if (priority !== undefined && priority !== null) resource.priority = String(priority);
  for (const [name, value] of Object.entries((options ?? {}) as JsonObject)) {
    if (name === "thresholds") {
      resource.monitor_thresholds = [
        Object.fromEntries(Object.entries(value as JsonObject).map(([k, v]) => [k, String(v)])),
      ];
    } else if (MONITOR_OPTION_ARGUMENTS.has(name)) resource[name] = value;
    else
      throw new DogdriverError(
        "internal",
        `monitor "${String(body.name)}": options.${name} has no datadog_monitor argument here; the Terraform output would drop it`,
      );
  }
  return resource;
};

// The provider's datadog_deployment_gate (docs/resources/deployment_gate.md) holds its rules as `rule` blocks
// whose `options` block knows duration, query and excluded_resources only: the rule's fail_on_no_groups_found and
// fail_on_no_data cannot be written there, so Datadog's defaults apply (docs/verify.md says what that changes).
const GATE_NOTE =
  "dogdriver provision sets fail_on_no_groups_found and fail_on_no_data to false on this rule; the provider's rule options cannot (Datadog's defaults apply: the gate fails while dogdriver has no verdict for the service/env)";

/** A deployment gate and dogdriver's rule as a datadog_deployment_gate resource. */
const gateResource = (gate: GateDefinition): JsonObject => {
  const { name, type, dry_run, options } = gate.rule;
  const { query, duration } = options as JsonObject;
  return {
    "//": GATE_NOTE,
    ...gate.gate,
    rule: [{ name, type, dry_run, options: { query, duration } } as JsonObject],
  };
};

/** The Terraform JSON document; `${...}` in the monitors' messages is the dashboard's url, everything else literal. */
export const terraformDocument = (wanted: Wanted, site: string): JsonObject => {
  const dashboardName = resourceName(wanted.dashboardKey);
  const dashboard = dashboardWithoutReadOnly(wanted.dashboard);
  const link = `${appBaseUrl(site)}\${datadog_dashboard_json.${dashboardName}.url}`;
  const monitors: MonitorDefinition[] = wanted.monitors?.(link) ?? [];
  const escapedLink = escapeTemplate(link);
  return {
    terraform: { required_providers: { datadog: { source: "DataDog/datadog" } } },
    resource: {
      datadog_dashboard_json: {
        [dashboardName]: { dashboard: escapeTemplate(JSON.stringify(dashboard, null, 2)) },
      },
      ...(monitors.length === 0
        ? {}
        : {
            datadog_monitor: Object.fromEntries(
              monitors.map((m) => [
                resourceName(m.key),
                // Escape every literal, then give the dashboard link back its interpolation.
                JSON.parse(
                  JSON.stringify(escapeAll(monitorResource(m.body)))
                    .split(escapedLink)
                    .join(link),
                ),
              ]),
            ),
          }),
      ...((wanted.gates ?? []).length === 0
        ? {}
        : {
            datadog_deployment_gate: Object.fromEntries(
              (wanted.gates ?? []).map((g) => [
                resourceName(`gate_${g.key}`),
                escapeAll(gateResource(g)) as JsonObject,
              ]),
            ),
          }),
    },
  };
};
