import type { DashboardJson, JsonObject } from "../dashboards/types.js";

// A provision plan: what exists in Datadog compared with what the configuration asks for.

export interface DashboardPlan {
  /** "trend" for the fleet dashboard, "trend:<service>" for a per-service one (the state file's key). */
  key: string;
  action: "create" | "update" | "unchanged";
  id?: string;
  /** How the existing dashboard was found. */
  foundBy?: "stored id" | "marker";
  /** `path: has -> wants` lines. */
  changes: string[];
  body: DashboardJson;
}

export interface MonitorPlan {
  key: string;
  action: "create" | "update" | "unchanged";
  id?: number;
  changes: string[];
  body: JsonObject;
}

/** A monitor tagged managed_by:dogdriver that the configuration no longer asks for (or a duplicate). */
export interface UnwantedMonitor {
  id: number;
  name: string;
  action: "delete" | "keep";
}

export interface Plan {
  site: string;
  /** False when there were no keys to read what exists (a dry run without keys): everything is "create". */
  compared: boolean;
  dashboard: DashboardPlan;
  /** Empty for a per-service dashboard (--service): monitors are fleet-wide. */
  monitors: MonitorPlan[];
  unwanted: UnwantedMonitor[];
}

export const changeCount = (plan: Plan): number =>
  (plan.dashboard.action === "unchanged" ? 0 : 1) +
  plan.monitors.filter((m) => m.action !== "unchanged").length +
  plan.unwanted.filter((m) => m.action === "delete").length;
