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

/** A deployment gate and dogdriver's rule in it (docs/verify.md): found by service, env and identifier. */
export interface GatePlan {
  /** "service/env". */
  key: string;
  service: string;
  env: string;
  identifier: string;
  /** A gate found is never changed: its settings are its owners' (dogdriver sets only its own rule). */
  gate: { action: "create" | "unchanged"; id?: string; body: JsonObject };
  /** The rule is found by its name within the gate. */
  rule: { action: "create" | "update" | "unchanged"; id?: string; changes: string[]; body: JsonObject };
}

export interface Plan {
  site: string;
  /** False when there were no keys to read what exists (a dry run without keys): everything is "create". */
  compared: boolean;
  dashboard: DashboardPlan;
  /** Empty for a per-service dashboard (--service): monitors are fleet-wide. */
  monitors: MonitorPlan[];
  unwanted: UnwantedMonitor[];
  /** Empty unless the configuration asks for deployment gates (and for a per-service dashboard). */
  gates: GatePlan[];
}

export const changeCount = (plan: Plan): number =>
  (plan.dashboard.action === "unchanged" ? 0 : 1) +
  plan.monitors.filter((m) => m.action !== "unchanged").length +
  plan.unwanted.filter((m) => m.action === "delete").length +
  plan.gates.filter((g) => g.gate.action === "create").length +
  plan.gates.filter((g) => g.rule.action !== "unchanged").length;
