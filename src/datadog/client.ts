import { client, v1, v2 } from "@datadog/datadog-api-client";
import type { Config } from "../config/types.js";
import { DogdriverError, isDogdriverError } from "../errors.js";
import type { Deps } from "../state/deps.js";
import { listEntities, listServiceDefinitions } from "./catalog-listing.js";
import { DatadogError } from "./datadog-error.js";
import { scalarResult, timeseriesResult } from "./query-answers.js";
import { redactor } from "./redact.js";
import { eventModel, scalarRequest, seriesModel, timeseriesRequest } from "./request-bodies.js";
import { seriesPayloads } from "./series-payloads.js";
import { Transport } from "./transport.js";
import type { CallCounts, DatadogApi, DatadogSettings } from "./types.js";

// The one place the official client is configured. Only explicit settings count: createConfiguration() reads
// DD_API_KEY/DD_APP_KEY from process.env when authMethods lacks them, and DD_SITE rewrites module-global servers
// (DATADOG-NOTES §1). Both keys are therefore always passed (possibly empty: then no header is sent) and the site
// is set on this configuration's own servers, which wins over whatever DD_SITE did to the globals.

export const DEFAULT_SITE = "datadoghq.com";
export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_RETRIES = 3;
const DEFAULT_RETRY_BASE_MS = 1000;
const DEFAULT_MAX_RETRY_WAIT_MS = 60_000;

const SITE = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/;

/** Settings from DD_API_KEY, DD_APP_KEY, DD_SITE (else the config's site), DOGDRIVER_DD_URL. */
export const datadogSettingsFromEnv = (
  env: Readonly<Record<string, string | undefined>>,
  config?: Pick<Config, "datadogSite">,
): DatadogSettings => {
  const nonEmpty = (v: string | undefined) => (v?.trim() ? v.trim() : undefined);
  const site = nonEmpty(env.DD_SITE) ?? nonEmpty(config?.datadogSite) ?? DEFAULT_SITE;
  if (!SITE.test(site)) {
    throw new DogdriverError(
      "invalid_config",
      `DD_SITE: expected a Datadog site such as datadoghq.com or datadoghq.eu (no scheme or path), got "${site}"`,
    );
  }
  const baseUrl = nonEmpty(env.DOGDRIVER_DD_URL);
  // A proxy URL may carry a password (user:secret@host): it is shown masked, and refused because fetch cannot
  // send it (it would only end up in every error message, which names the URL).
  const shown = baseUrl?.replace(/^(https?:\/\/)[^/@\s]*@/, "$1***@");
  if (baseUrl !== undefined && !/^https?:\/\/[^/\s@]+(\/\S*)?$/.test(baseUrl)) {
    throw new DogdriverError(
      "invalid_config",
      `DOGDRIVER_DD_URL: expected an http(s) base URL without credentials, such as http://127.0.0.1:8126, got "${shown}"`,
    );
  }
  const apiKey = nonEmpty(env.DD_API_KEY);
  const appKey = nonEmpty(env.DD_APP_KEY);
  return {
    ...(apiKey ? { apiKey } : {}),
    ...(appKey ? { appKey } : {}),
    site,
    ...(baseUrl ? { baseUrl: baseUrl.replace(/\/+$/, "") } : {}),
    timeoutMs: DEFAULT_TIMEOUT_MS,
    maxRetries: DEFAULT_MAX_RETRIES,
  };
};

type ClientDeps = Pick<Deps, "clock" | "log" | "signal">;

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

export const createDatadog = (settings: DatadogSettings, deps: ClientDeps): DatadogApi => {
  const redact = redactor([settings.apiKey, settings.appKey]);
  const precompressed = new Map<string, Buffer>();
  const transport = new Transport({
    site: settings.site,
    baseUrl: settings.baseUrl,
    redact,
    timeoutMs: settings.timeoutMs,
    maxRetries: settings.maxRetries,
    retryBaseMs: settings.retryBaseMs ?? DEFAULT_RETRY_BASE_MS,
    maxRetryWaitMs: settings.maxRetryWaitMs ?? DEFAULT_MAX_RETRY_WAIT_MS,
    clock: deps.clock,
    log: deps.log,
    signal: deps.signal,
    precompressed,
  });
  const configuration = datadogConfiguration(settings, transport);
  const metrics = new v2.MetricsApi(configuration);
  const events = new v1.EventsApi(configuration);
  const dashboards = new v1.DashboardsApi(configuration);
  const monitors = new v1.MonitorsApi(configuration);
  const authentication = new v1.AuthenticationApi(configuration);
  const catalog = new v2.SoftwareCatalogApi(configuration);
  const serviceDefinitions = new v2.ServiceDefinitionApi(configuration);

  const counts: CallCounts = { queries: 0, submissions: 0, events: 0, other: 0 };
  const canWrite = Boolean(settings.apiKey);
  const canRead = canWrite && Boolean(settings.appKey);

  /** Runs one operation: keys checked first, counted, and any failure turned into a redacted DogdriverError. */
  const call = async <T>(
    kind: keyof CallCounts,
    operation: string,
    needsAppKey: boolean,
    run: () => Promise<T>,
  ) => {
    if (!settings.apiKey || (needsAppKey && !settings.appKey)) {
      const missing = settings.apiKey ? "DD_APP_KEY" : "DD_API_KEY";
      // Configuration, not a Datadog outage: callers must not keep it for a retry.
      throw new DogdriverError("invalid_config", `${missing} is not set: ${operation} needs it`);
    }
    counts[kind] += 1;
    try {
      return await run();
    } catch (error) {
      if (isDogdriverError(error)) throw error;
      // The official client's own failures: a body that does not fit its model ("missing required property
      // 'requests'"), or an answer it cannot read. Neither gets better by trying again, hence invalid_input.
      const raw = error instanceof Error ? error.message : String(error);
      // A oneOf mismatch lists every candidate model (40 widget types); the list says nothing useful.
      const message = raw.replace(
        /^.*doesn't match any type from .*$/s,
        "a value fits none of the allowed models (a required field is missing or has the wrong type)",
      );
      throw new DogdriverError(
        "invalid_input",
        redact(`${operation}: the Datadog client refused it: ${message}`),
      );
    }
  };

  return {
    site: settings.site,
    canWrite,
    canRead,

    submitMetrics: async (series) => {
      // Every name is checked before anything is sent, so a bad one fails the whole submission up front.
      const models = series.map(seriesModel).filter((s) => s.points.length > 0);
      const payloads = seriesPayloads(models);
      for (const [index, payload] of payloads.entries()) {
        precompressed.set(payload.json, payload.gzipped);
        try {
          await call("submissions", "submitting metrics", false, () =>
            metrics.submitMetrics({ body: payload.body, contentEncoding: "gzip" }),
          );
        } catch (error) {
          if (index === 0 || !(error instanceof DatadogError)) throw error;
          throw new DatadogError(error.operation, error.message, {
            ...(error.status === undefined ? {} : { status: error.status }),
            details: [
              ...error.details,
              `${index} of ${payloads.length} payloads were accepted before this one; sending all again is safe (gauges: last write wins)`,
            ],
          });
        } finally {
          // Normally taken by the transport already; this covers a call that failed before sending.
          precompressed.delete(payload.json);
        }
      }
      return { requests: payloads.length, points: payloads.reduce((n, p) => n + p.points, 0) };
    },

    queryTimeseries: (fromMs, toMs, queries, intervalMs) =>
      call("queries", "querying metrics (timeseries)", true, async () =>
        timeseriesResult(
          await metrics.queryTimeseriesData({ body: timeseriesRequest(fromMs, toMs, queries, intervalMs) }),
          queries,
        ),
      ),

    queryScalar: (fromMs, toMs, queries, aggregator = "avg") =>
      call("queries", "querying metrics (scalar)", true, async () =>
        scalarResult(
          await metrics.queryScalarData({ body: scalarRequest(fromMs, toMs, queries, aggregator) }),
          queries,
        ),
      ),

    postEvent: async (event) => {
      const body = eventModel(event);
      await call("events", "posting an event", false, () => events.createEvent({ body }));
    },

    listDashboards: () =>
      call("other", "listing dashboards", true, async () => {
        const found: v1.DashboardSummaryDefinition[] = [];
        for await (const d of dashboards.listDashboardsWithPagination({})) found.push(d);
        return found;
      }),
    getDashboard: (id) =>
      call("other", `getting dashboard ${id}`, true, () => dashboards.getDashboard({ dashboardId: id })),
    createDashboard: (body) =>
      call("other", "creating a dashboard", true, () => dashboards.createDashboard({ body })),
    updateDashboard: (id, body) =>
      call("other", `updating dashboard ${id}`, true, () =>
        dashboards.updateDashboard({ dashboardId: id, body }),
      ),
    deleteDashboard: async (id) => {
      await call("other", `deleting dashboard ${id}`, true, () =>
        dashboards.deleteDashboard({ dashboardId: id }),
      );
    },

    listMonitors: (monitorTag) =>
      call("other", "listing monitors", true, async () => {
        const found: v1.Monitor[] = [];
        for await (const m of monitors.listMonitorsWithPagination({ monitorTags: monitorTag })) found.push(m);
        return found;
      }),
    getMonitor: (id) =>
      call("other", `getting monitor ${id}`, true, () => monitors.getMonitor({ monitorId: id })),
    validateMonitor: async (body) => {
      await call("other", "validating a monitor", true, () => monitors.validateMonitor({ body }));
    },
    createMonitor: (body) =>
      call("other", "creating a monitor", true, () => monitors.createMonitor({ body })),
    updateMonitor: (id, body) =>
      call("other", `updating monitor ${id}`, true, () => monitors.updateMonitor({ monitorId: id, body })),
    deleteMonitor: async (id) => {
      await call("other", `deleting monitor ${id}`, true, () => monitors.deleteMonitor({ monitorId: id }));
    },

    listCatalog: async (kinds) => {
      try {
        const listings = [];
        for (const kind of kinds)
          listings.push(
            await call("other", "listing the Software Catalog", true, () => listEntities(catalog, kind)),
          );
        return {
          api: "entity" as const,
          pages: listings.reduce((n, l) => n + l.pages, 0),
          definitions: listings.flatMap((l) => l.definitions),
        };
      } catch (error) {
        // 404: a site (or a proxy) without the entity API; the service-definition API holds the same services.
        if (!(error instanceof DatadogError) || error.status !== 404) throw error;
        deps.log.debug("the Software Catalog entity API answered 404: reading service definitions instead");
        return call("other", "listing service definitions", true, () =>
          listServiceDefinitions(serviceDefinitions),
        );
      }
    },

    validateKeys: async () => {
      await call("other", "validating the API key", false, () => authentication.validate());
      if (!settings.appKey) return;
      try {
        // Datadog has no endpoint that validates an application key alone: a one-item dashboard list needs it.
        await call("other", "validating the application key", true, () =>
          dashboards.listDashboards({ count: 1 }),
        );
      } catch (error) {
        if (!(error instanceof DatadogError) || (error.status !== 401 && error.status !== 403)) throw error;
        throw new DatadogError(
          error.operation,
          `Datadog rejected the application key (${error.status}) for site ${settings.site}`,
          {
            status: error.status,
            details: [
              "the API key was accepted; check DD_APP_KEY (it must belong to the same organisation and site)",
            ],
          },
        );
      }
    },

    rateLimits: () => transport.rateLimits(),
    calls: () => ({ ...counts }),
  };
};
