import { DEFAULTS } from "../config/load.js";
import type { Config } from "../config/types.js";
import { runIntervalSeconds } from "./run-interval.js";
import type { DashboardInput } from "./types.js";

/** The query names of docs/contract.md's example config: what the checked-in dashboards/dogdriver.json shows. */
export const EXAMPLE_SERVER_QUERIES = ["latency_ms", "cpu_pct"];

/** The input for dashboards/dogdriver.json: the contract's example queries and the default alerts/schedule. */
export const exampleDashboardInput = (): DashboardInput => ({
  serverQueries: EXAMPLE_SERVER_QUERIES,
  alerts: { ...DEFAULTS.alerts, notify: [] },
  runIntervalSeconds: runIntervalSeconds(DEFAULTS.schedule.run),
});

/** The input for a configuration: the union of every (or one) service's query names, in first-seen order. */
export const dashboardInputFor = (config: Config, service?: string): DashboardInput => {
  const services = config.services.filter((s) => service === undefined || s.name === service);
  const names = [...new Set(services.flatMap((s) => Object.keys(s.queries)))];
  return {
    serverQueries: names,
    alerts: config.alerts,
    runIntervalSeconds: runIntervalSeconds(config.schedule.run),
    ...(service === undefined ? {} : { service }),
  };
};
