import type { v1 } from "@datadog/datadog-api-client";
import type { MonitorDefinition } from "../dashboards/monitors.js";
import type { JsonObject } from "../dashboards/types.js";
import type { DatadogApi } from "../datadog/types.js";
import { DogdriverError } from "../errors.js";
import type { Logger } from "../state/deps.js";
import type { SiteState } from "./provision-state.js";
import { dashboardWithoutReadOnly, monitorWithoutReadOnly } from "./read-only.js";
import type { Plan } from "./types.js";
import { toModel } from "./wire.js";

/**
 * Asks Datadog to validate every monitor that would be created or updated. The first refusal stops provision
 * before anything was changed (Datadog's own reason in the message).
 */
export const validateMonitors = async (api: DatadogApi, plan: Plan): Promise<void> => {
  for (const m of plan.monitors.filter((m) => m.action !== "unchanged")) {
    try {
      await api.validateMonitor(toModel<v1.Monitor>(m.body, "Monitor"));
    } catch (error) {
      throw new DogdriverError(
        "datadog",
        `monitor ${m.key} ("${String(m.body.name)}"): Datadog refused it: ${(error as Error).message}. Nothing was changed.`,
        { cause: error },
      );
    }
  }
};

export interface Applied {
  dashboardId: string;
  state: SiteState;
}

/** Makes the plan real: dashboard first (monitors link to it), then monitors, then deletions (--prune). */
export const applyPlan = async (
  api: DatadogApi,
  plan: Plan,
  context: {
    state: SiteState;
    log: Logger;
    dashboardUrl: (id: string) => string;
    /** Monitor bodies for the dashboard's final URL (the plan may have been made before it existed). */
    monitors?: (dashboardUrl: string) => MonitorDefinition[];
  },
): Promise<Applied> => {
  const { log } = context;
  const d = plan.dashboard;
  const dashboardBody = toModel<v1.Dashboard>(dashboardWithoutReadOnly(d.body), "Dashboard");
  let dashboardId: string;
  if (d.action === "create") {
    dashboardId = (await api.createDashboard(dashboardBody)).id ?? "";
    log.info(`created dashboard ${dashboardId} "${d.body.title}": ${context.dashboardUrl(dashboardId)}`);
  } else if (d.action === "update" && d.id !== undefined) {
    dashboardId = d.id;
    await api.updateDashboard(dashboardId, dashboardBody);
    log.info(`updated dashboard ${dashboardId} "${d.body.title}" (${d.changes.length} difference(s))`);
  } else {
    dashboardId = d.id ?? "";
    log.info(`dashboard ${dashboardId} "${d.body.title}": no changes`);
  }

  const finalBodies = new Map(
    (context.monitors?.(context.dashboardUrl(dashboardId)) ?? []).map((m) => [m.key, m.body] as const),
  );
  const monitorIds: Record<string, number> = {};
  for (const m of plan.monitors) {
    const body: JsonObject = finalBodies.get(m.key as MonitorDefinition["key"]) ?? m.body;
    // A monitor planned as unchanged before the dashboard existed still needs the new link.
    const changed = m.action !== "unchanged" || JSON.stringify(body) !== JSON.stringify(m.body);
    if (m.id === undefined) {
      const created = await api.createMonitor(toModel<v1.Monitor>(body, "Monitor"));
      monitorIds[m.key] = created.id ?? 0;
      log.info(`created monitor ${created.id} "${String(body.name)}"`);
    } else if (changed) {
      await api.updateMonitor(
        m.id,
        toModel<v1.MonitorUpdateRequest>(monitorWithoutReadOnly(body), "MonitorUpdateRequest"),
      );
      monitorIds[m.key] = m.id;
      log.info(`updated monitor ${m.id} "${String(body.name)}"`);
    } else {
      monitorIds[m.key] = m.id;
      log.info(`monitor ${m.id} "${String(body.name)}": no changes`);
    }
  }
  for (const u of plan.unwanted) {
    if (u.action === "delete") {
      await api.deleteMonitor(u.id);
      log.info(`deleted monitor ${u.id} "${u.name}" (no longer in the configuration)`);
    } else {
      log.warn(
        `monitor ${u.id} "${u.name}" is managed by dogdriver but no longer wanted: --prune deletes it`,
      );
    }
  }
  const dashboards = { ...context.state.dashboards, [d.key]: dashboardId };
  const monitors = plan.monitors.length === 0 ? context.state.monitors : monitorIds;
  return { dashboardId, state: { dashboards, monitors } };
};
