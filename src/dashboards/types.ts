import type { AlertsConfig } from "../config/types.js";

// The dashboard is built as Datadog's own snake_case JSON (what GET /api/v1/dashboard/{id} returns and the UI's
// "Import dashboard JSON" takes), so the checked-in file is usable without dogdriver.

export type Json = string | number | boolean | null | Json[] | JsonObject;
export interface JsonObject {
  [key: string]: Json;
}

/** What the dashboard depends on: everything else is fixed by the contract's metric names. */
export interface DashboardInput {
  /** Configured query names: one `dogdriver.run.server.<name>` chart each, in this order. */
  serverQueries: string[];
  alerts: AlertsConfig;
  /** The runner's period (from schedule.run): the rollup interval of per-run series. */
  runIntervalSeconds: number;
  /** A per-service variant: its title, marker and the `service` template variable's default. */
  service?: string;
}

export interface DashboardJson extends JsonObject {
  title: string;
  description: string;
  layout_type: "ordered";
  widgets: JsonObject[];
}
