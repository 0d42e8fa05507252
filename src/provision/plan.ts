import type { v1 } from "@datadog/datadog-api-client";
import { dashboardMarker } from "../dashboards/dashboard.js";
import type { GateDefinition } from "../dashboards/deployment-gates.js";
import { MANAGED_BY_TAG } from "../dashboards/metric-names.js";
import { identityTag, type MonitorDefinition } from "../dashboards/monitors.js";
import type { DashboardJson, JsonObject } from "../dashboards/types.js";
import type { DatadogApi } from "../datadog/types.js";
import type { Logger } from "../state/deps.js";
import { findDashboard } from "./find-dashboard.js";
import { planGates, uncomparedGates } from "./gates-plan.js";
import { differences } from "./json-diff.js";
import type { SiteState } from "./provision-state.js";
import { dashboardWithoutReadOnly, monitorWithoutReadOnly } from "./read-only.js";
import type { DashboardPlan, MonitorPlan, Plan, UnwantedMonitor } from "./types.js";
import { toJson } from "./wire.js";

export interface Wanted {
  dashboardKey: string;
  service?: string;
  dashboard: DashboardJson;
  /** Builds the monitors for a dashboard URL (undefined: fleet-wide monitors are not part of this run). */
  monitors?: (dashboardUrl: string | undefined) => MonitorDefinition[];
  /** Deployment gates (config deployment_gates); none for a per-service dashboard. */
  gates?: GateDefinition[];
}

// Tag order is Datadog's business; it is not a difference.
const sortedTags = (monitor: JsonObject): JsonObject =>
  Array.isArray(monitor.tags) ? { ...monitor, tags: [...(monitor.tags as string[])].sort() } : monitor;

const keyOf = (monitor: v1.Monitor): string | undefined =>
  monitor.tags?.find((t) => t.startsWith(identityTag("")))?.slice(identityTag("").length);

const action = (changes: string[]) => (changes.length === 0 ? "unchanged" : "update");

/** Everything as "create": a dry run without keys cannot read what exists. */
export const uncomparedPlan = (site: string, wanted: Wanted): Plan => ({
  site,
  compared: false,
  dashboard: { key: wanted.dashboardKey, action: "create", changes: [], body: wanted.dashboard },
  monitors: (wanted.monitors?.(undefined) ?? []).map((m) => ({
    key: m.key,
    action: "create",
    changes: [],
    body: m.body,
  })),
  unwanted: [],
  gates: uncomparedGates(wanted.gates ?? []),
});

const planMonitors = async (
  api: DatadogApi,
  definitions: MonitorDefinition[],
  prune: boolean,
): Promise<{ monitors: MonitorPlan[]; unwanted: UnwantedMonitor[] }> => {
  const existing = (await api.listMonitors(MANAGED_BY_TAG)).sort((a, b) => (a.id ?? 0) - (b.id ?? 0));
  const wantedKeys = new Set(definitions.map((d) => d.key));
  const byKey = new Map<string, v1.Monitor>();
  const unwanted: UnwantedMonitor[] = [];
  for (const monitor of existing) {
    const key = keyOf(monitor);
    if (key !== undefined && wantedKeys.has(key as MonitorDefinition["key"]) && !byKey.has(key))
      byKey.set(key, monitor);
    else unwanted.push({ id: monitor.id ?? 0, name: monitor.name ?? "", action: prune ? "delete" : "keep" });
  }
  const monitors = definitions.map((d): MonitorPlan => {
    const found = byKey.get(d.key);
    if (found === undefined) return { key: d.key, action: "create", changes: [], body: d.body };
    const changes = differences(
      sortedTags(d.body),
      sortedTags(monitorWithoutReadOnly(toJson(found, "Monitor"))),
    );
    return { key: d.key, action: action(changes), id: found.id ?? 0, changes, body: d.body };
  });
  return { monitors, unwanted };
};

/** Reads what exists and compares it with what is wanted. Changes nothing. */
export const planProvision = async (
  api: DatadogApi,
  wanted: Wanted,
  context: {
    site: string;
    state: SiteState;
    prune: boolean;
    log: Logger;
    dashboardUrl: (id: string) => string;
  },
): Promise<Plan> => {
  const found = await findDashboard(
    api,
    {
      ...(context.state.dashboards[wanted.dashboardKey] === undefined
        ? {}
        : { storedId: context.state.dashboards[wanted.dashboardKey] }),
      marker: dashboardMarker(wanted.service),
      title: wanted.dashboard.title,
    },
    context.log,
  );
  let dashboard: DashboardPlan;
  if (found === undefined) {
    dashboard = { key: wanted.dashboardKey, action: "create", changes: [], body: wanted.dashboard };
  } else {
    const changes = differences(wanted.dashboard, dashboardWithoutReadOnly(found.json));
    dashboard = {
      key: wanted.dashboardKey,
      action: action(changes),
      id: found.id,
      foundBy: found.foundBy,
      changes,
      body: wanted.dashboard,
    };
  }
  const definitions = wanted.monitors?.(found === undefined ? undefined : context.dashboardUrl(found.id));
  const { monitors, unwanted } =
    definitions === undefined
      ? { monitors: [], unwanted: [] }
      : await planMonitors(api, definitions, context.prune);
  const gates = await planGates(api, wanted.gates ?? []);
  return { site: context.site, compared: true, dashboard, monitors, unwanted, gates };
};
