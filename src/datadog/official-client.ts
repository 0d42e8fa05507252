import { client, v1 } from "@datadog/datadog-api-client";
import { ClientHttp } from "./client-http.js";
import { deploymentGateCalls } from "./deployment-gates-calls.js";
import type { Transport } from "./transport.js";
import type { DatadogSettings, ProvisioningCalls } from "./types.js";

// Dashboards and monitors go through Datadog's official client: their bodies are large models (40 widget types)
// that the client checks and serialises. Importing it costs ~1.8 s of CPU and ~180 MB (its ObjectSerializer loads
// every model), so only `provision` loads this file, on its first dashboard or monitor call (client.ts).
//
// The one place the official client is configured. Only explicit settings count: createConfiguration() reads
// DD_API_KEY/DD_APP_KEY from process.env when authMethods lacks them, and DD_SITE rewrites module-global servers
// (DATADOG-NOTES §1). Both keys are therefore always passed (possibly empty: then no header is sent) and the site
// is set on this configuration's own servers, which wins over whatever DD_SITE did to the globals.

/** The official client's configuration for these settings, sending through `httpApi`. */
export const datadogConfiguration = (
  settings: DatadogSettings,
  httpApi: client.HttpLibrary,
): client.Configuration => {
  const configuration = client.createConfiguration({
    authMethods: { apiKeyAuth: settings.apiKey ?? "", appKeyAuth: settings.appKey ?? "" },
    httpApi,
    ...(settings.baseUrl ? { baseServer: new client.BaseServerConfiguration(settings.baseUrl, {}) } : {}),
  });
  if (!settings.baseUrl) configuration.setServerVariables({ site: settings.site });
  return configuration;
};

/** Dashboard, monitor and deployment gate calls over `transport` (its timeout, answer cap, retries and redaction). */
export const provisioningCalls = (settings: DatadogSettings, transport: Transport): ProvisioningCalls => {
  const configuration = datadogConfiguration(settings, new ClientHttp(transport));
  const dashboards = new v1.DashboardsApi(configuration);
  const monitors = new v1.MonitorsApi(configuration);
  return {
    ...deploymentGateCalls(configuration),
    listDashboards: async () => {
      const found: v1.DashboardSummaryDefinition[] = [];
      for await (const d of dashboards.listDashboardsWithPagination({})) found.push(d);
      return found;
    },
    getDashboard: (id) => dashboards.getDashboard({ dashboardId: id }),
    createDashboard: (body) => dashboards.createDashboard({ body }),
    updateDashboard: (id, body) => dashboards.updateDashboard({ dashboardId: id, body }),
    deleteDashboard: async (id) => {
      await dashboards.deleteDashboard({ dashboardId: id });
    },
    listMonitors: async (monitorTag) => {
      const found: v1.Monitor[] = [];
      for await (const m of monitors.listMonitorsWithPagination({ monitorTags: monitorTag })) found.push(m);
      return found;
    },
    getMonitor: (id) => monitors.getMonitor({ monitorId: id }),
    validateMonitor: async (body) => {
      await monitors.validateMonitor({ body });
    },
    createMonitor: (body) => monitors.createMonitor({ body }),
    updateMonitor: (id, body) => monitors.updateMonitor({ monitorId: id, body }),
    deleteMonitor: async (id) => {
      await monitors.deleteMonitor({ monitorId: id });
    },
  };
};
