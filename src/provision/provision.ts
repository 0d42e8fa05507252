import type { Config } from "../config/types.js";
import { buildDashboard } from "../dashboards/dashboard.js";
import { dashboardInputFor } from "../dashboards/dashboard-input.js";
import { buildDeploymentGates } from "../dashboards/deployment-gates.js";
import { buildMonitors } from "../dashboards/monitors.js";
import { notifyRoutes, unnotifiedWarnings } from "../dashboards/notify-routes.js";
import { runIntervalSeconds } from "../dashboards/run-interval.js";
import type { DatadogApi } from "../datadog/types.js";
import { DogdriverError } from "../errors.js";
import type { Logger } from "../state/deps.js";
import { dashboardUrl } from "./app-url.js";
import { applyPlan, validateMonitors } from "./apply.js";
import { applyGates, gateModels } from "./gates-apply.js";
import { planProvision, uncomparedPlan, type Wanted } from "./plan.js";
import { FLEET_DASHBOARD_KEY, readSiteState, type StateStore, writeSiteState } from "./provision-state.js";
import { planJson, renderPayloads, renderPlan } from "./render-plan.js";
import { terraformDocument } from "./terraform.js";
import { changeCount, type Plan } from "./types.js";

export interface ProvisionRequest {
  config: Config;
  /** A per-service dashboard instead of the fleet one; monitors are left alone. */
  service?: string;
  dryRun: boolean;
  prune: boolean;
  /** text: the plan and payloads (dry run); json: the plan as JSON; terraform: Terraform JSON, nothing read or sent. */
  output?: "text" | "json" | "terraform";
}

export interface ProvisionContext {
  /** Undefined without keys: only a dry run is possible then. */
  api: DatadogApi | undefined;
  site: string;
  /** Where the ids are kept (the run store); undefined: found by marker only. */
  store: StateStore | undefined;
  log: Logger;
  /** Machine output (the dry run's plan and payloads). */
  write: (text: string) => void;
}

export interface ProvisionResult {
  plan: Plan;
  changes: number;
  dashboardId?: string;
}

const NO_KEYS =
  "dogdriver provision needs DD_API_KEY and DD_APP_KEY (an application key allowed to write dashboards and monitors); " +
  "nothing was sent. `dogdriver provision --dry-run` shows what it would create without them.";

// The metric goes into queries as a tag value (`{metric:...}`): anything beyond a dotted field path would change
// the query itself.
const FIELD_PATH = /^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$/;

/** What the configuration asks for. */
export const wantedFor = (request: ProvisionRequest): Wanted => {
  const { config, service } = request;
  const metric = config.alerts.regressionMetric;
  if (!FIELD_PATH.test(metric))
    throw new DogdriverError(
      "invalid_config",
      `${config.file}: alerts.regression_metric: expected a run-record field path such as "client.latency_ms.p95", got "${metric}"`,
    );
  const dashboard = buildDashboard(dashboardInputFor(config, service));
  if (service !== undefined) return { dashboardKey: `trend:${service}`, service, dashboard };
  const monitorInput = {
    alerts: config.alerts,
    routes: notifyRoutes(config),
    runIntervalSeconds: runIntervalSeconds(config.schedule.run),
    settleMs: config.settleMs,
    endpointMonitors: config.endpoints.monitors,
  };
  return {
    dashboardKey: FLEET_DASHBOARD_KEY,
    dashboard,
    monitors: (url) =>
      buildMonitors({ ...monitorInput, ...(url === undefined ? {} : { dashboardUrl: url }) }),
    gates: buildDeploymentGates(config),
  };
};

const PREVIEW_NOTE =
  "deployment gates: Datadog's Deployment Gates API is a preview (the client's unstable operations); provision manages one rule per gate, never the gate's other rules";

/**
 * Creates or updates the dashboard, monitors and deployment gates; with dryRun, prints the plan and the payloads
 * instead.
 */
export const provision = async (
  request: ProvisionRequest,
  context: ProvisionContext,
): Promise<ProvisionResult> => {
  const { api, site, store, log } = context;
  const wanted = wantedFor(request);
  if (wanted.monitors !== undefined) for (const line of unnotifiedWarnings(request.config)) log.warn(line);
  if ((wanted.gates ?? []).length > 0) log.info(PREVIEW_NOTE);
  const urlOf = (id: string) => dashboardUrl(site, id);
  const output = request.output ?? "text";
  if (output === "terraform") {
    context.write(`${JSON.stringify(terraformDocument(wanted, site), null, 2)}\n`);
    return { plan: uncomparedPlan(site, wanted), changes: 0 };
  }
  const show = (
    plan: Plan,
    result: Omit<ProvisionResult, "plan"> & {
      monitorIds?: Record<string, number>;
      gateIds?: Record<string, string>;
    },
  ) =>
    context.write(
      output === "json"
        ? planJson(plan, { dryRun: request.dryRun, ...result })
        : renderPlan(plan) + renderPayloads(plan),
    );
  if (api === undefined) {
    if (!request.dryRun) throw new DogdriverError("invalid_config", NO_KEYS);
    const plan = uncomparedPlan(site, wanted);
    show(plan, { changes: changeCount(plan) });
    return { plan, changes: changeCount(plan) };
  }
  const state =
    store === undefined ? { dashboards: {}, monitors: {} } : await readSiteState(store, site, log);
  const plan = await planProvision(api, wanted, {
    site,
    state,
    prune: request.prune,
    log,
    dashboardUrl: urlOf,
  });
  await validateMonitors(api, plan);
  const gateBodies = gateModels(plan.gates);
  if (request.dryRun) {
    show(plan, { changes: changeCount(plan) });
    return { plan, changes: changeCount(plan) };
  }
  const applied = await applyPlan(api, plan, {
    state,
    log,
    dashboardUrl: urlOf,
    ...(wanted.monitors === undefined ? {} : { monitors: wanted.monitors }),
  });
  if (store !== undefined) await writeSiteState(store, site, applied.state, log);
  const gateIds = await applyGates(api, gateBodies, log);
  const result = { changes: changeCount(plan), dashboardId: applied.dashboardId };
  if (output === "json") show(plan, { ...result, monitorIds: applied.state.monitors, gateIds });
  return { plan, ...result };
};
