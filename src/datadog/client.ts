import type { Config } from "../config/types.js";
import { DogdriverError, isDogdriverError } from "../errors.js";
import type { Deps } from "../state/deps.js";
import { listEntities, listServiceDefinitions } from "./catalog-listing.js";
import { DatadogError } from "./datadog-error.js";
import { needsAppKey } from "./operation-names.js";
import { scalarResult, timeseriesResult } from "./query-answers.js";
import { redactor } from "./redact.js";
import { eventModel, scalarRequest, seriesModel, timeseriesRequest } from "./request-bodies.js";
import { seriesPayloads } from "./series-payloads.js";
import {
  DEFAULT_MAX_ANSWER_BYTES,
  DEFAULT_MAX_RETRY_WAIT_MS,
  DEFAULT_RETRY_BASE_MS,
  datadogSettingsFromEnv,
} from "./settings.js";
import { garbledAnswerError, type RequestSite } from "./status-errors.js";
import { Transport } from "./transport.js";
import type { CallCounts, DatadogApi, DatadogSettings, ProvisioningCalls } from "./types.js";
import { GarbledAnswer, parseWire, toWire } from "./wire-format.js";

// dogdriver's Datadog API, built in one place. What `aggregate`, discovery and `check` need (metrics, queries,
// events, the catalog, key validation) is sent over plain fetch as Datadog's wire JSON: importing the official
// client costs ~1.8 s of CPU and ~180 MB (its ObjectSerializer loads every model), more than a whole aggregate
// pass. The bodies are still built as the client's models (request-bodies.ts, type-only imports) and checked
// against them by the emulator in tests. Dashboards, monitors and deployment gates load the client on first use
// (official-client.ts).

type ClientDeps = Pick<Deps, "clock" | "log" | "signal">;

interface SendOptions {
  query?: Record<string, string>;
  /** Wire JSON, or gzipped wire JSON (a metric payload, compressed when it was measured). */
  body?: string | Buffer;
  gzipped?: boolean;
}

export const createDatadog = (settings: DatadogSettings, deps: ClientDeps): DatadogApi => {
  const redact = redactor([settings.apiKey, settings.appKey]);
  const site: RequestSite = { site: settings.site, baseUrl: settings.baseUrl, redact };
  const transport = new Transport({
    ...site,
    timeoutMs: settings.timeoutMs,
    maxRetries: settings.maxRetries,
    retryBaseMs: settings.retryBaseMs ?? DEFAULT_RETRY_BASE_MS,
    maxRetryWaitMs: settings.maxRetryWaitMs ?? DEFAULT_MAX_RETRY_WAIT_MS,
    maxAnswerBytes: settings.maxAnswerBytes ?? DEFAULT_MAX_ANSWER_BYTES,
    clock: deps.clock,
    log: deps.log,
    signal: deps.signal,
  });
  // The official client's host: api.<site>, or DOGDRIVER_DD_URL with the path appended (a proxy's prefix kept).
  const base = settings.baseUrl ?? `https://api.${settings.site}`;

  /** One request with the headers the official client would send; the answer's JSON, or GarbledAnswer. */
  const send = async (method: string, path: string, o: SendOptions = {}): Promise<unknown> => {
    const url = new URL(`${base}${path}`);
    for (const [name, value] of Object.entries(o.query ?? {})) url.searchParams.set(name, value);
    const headers: Record<string, string> = { Accept: "application/json" };
    if (settings.apiKey) headers["DD-API-KEY"] = settings.apiKey;
    if (settings.appKey && needsAppKey(method, path)) headers["DD-APPLICATION-KEY"] = settings.appKey;
    if (o.body !== undefined) headers["Content-Type"] = "application/json";
    if (o.gzipped) headers["Content-Encoding"] = "gzip";
    const answer = await transport.send({
      method,
      url,
      headers,
      ...(o.body === undefined ? {} : { body: o.body }),
    });
    const text = answer.body.toString("utf8");
    return text.trim() === "" ? undefined : parseWire(text);
  };

  let official: Promise<ProvisioningCalls> | undefined;
  const provisioning = () => {
    official ??= import("./official-client.js").then((m) => m.provisioningCalls(settings, transport));
    return official;
  };

  const counts: CallCounts = { queries: 0, submissions: 0, events: 0, other: 0 };
  const canWrite = Boolean(settings.apiKey);
  const canRead = canWrite && Boolean(settings.appKey);

  /** Runs one operation: keys checked first, counted, and any failure turned into a redacted DogdriverError. */
  const call = async <T>(
    kind: keyof CallCounts,
    operation: string,
    appKeyToo: boolean,
    run: () => Promise<T>,
  ) => {
    if (!settings.apiKey || (appKeyToo && !settings.appKey)) {
      const missing = settings.apiKey ? "DD_APP_KEY" : "DD_API_KEY";
      // Configuration, not a Datadog outage: callers must not keep it for a retry.
      throw new DogdriverError("invalid_config", `${missing} is not set: ${operation} needs it`);
    }
    counts[kind] += 1;
    try {
      return await run();
    } catch (error) {
      // An answer of another shape than the operation's (a proxy's page, a cut body): Datadog's side, so
      // status-less like an outage, and the caller keeps the work for later.
      if (error instanceof GarbledAnswer) throw garbledAnswerError(site, operation, error.message);
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
  const provision = <T>(operation: string, run: (calls: ProvisioningCalls) => Promise<T>) =>
    call("other", operation, true, async () => run(await provisioning()));
  const getJson = (path: string, query: Record<string, string>) => send("GET", path, { query });

  return {
    site: settings.site,
    canWrite,
    canRead,

    submitMetrics: async (series) => {
      // Every name is checked before anything is sent, so a bad one fails the whole submission up front.
      const models = series.map(seriesModel).filter((s) => s.points.length > 0);
      const payloads = seriesPayloads(models);
      for (const [index, payload] of payloads.entries()) {
        try {
          await call("submissions", "submitting metrics", false, () =>
            send("POST", "/api/v2/series", { body: payload.gzipped, gzipped: true }),
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
        }
      }
      return { requests: payloads.length, points: payloads.reduce((n, p) => n + p.points, 0) };
    },

    queryTimeseries: (fromMs, toMs, queries, intervalMs) =>
      call("queries", "querying metrics (timeseries)", true, async () =>
        timeseriesResult(
          await send("POST", "/api/v2/query/timeseries", {
            body: JSON.stringify(toWire(timeseriesRequest(fromMs, toMs, queries, intervalMs))),
          }),
          queries,
        ),
      ),

    queryScalar: (fromMs, toMs, queries, aggregator = "avg") =>
      call("queries", "querying metrics (scalar)", true, async () =>
        scalarResult(
          await send("POST", "/api/v2/query/scalar", {
            body: JSON.stringify(toWire(scalarRequest(fromMs, toMs, queries, aggregator))),
          }),
          queries,
        ),
      ),

    postEvent: async (event) => {
      const body = JSON.stringify(toWire(eventModel(event)));
      await call("events", "posting an event", false, () => send("POST", "/api/v1/events", { body }));
    },

    listDashboards: () => provision("listing dashboards", (p) => p.listDashboards()),
    getDashboard: (id) => provision(`getting dashboard ${id}`, (p) => p.getDashboard(id)),
    createDashboard: (body) => provision("creating a dashboard", (p) => p.createDashboard(body)),
    updateDashboard: (id, body) => provision(`updating dashboard ${id}`, (p) => p.updateDashboard(id, body)),
    deleteDashboard: (id) => provision(`deleting dashboard ${id}`, (p) => p.deleteDashboard(id)),

    listMonitors: (monitorTag) => provision("listing monitors", (p) => p.listMonitors(monitorTag)),
    getMonitor: (id) => provision(`getting monitor ${id}`, (p) => p.getMonitor(id)),
    validateMonitor: (body) => provision("validating a monitor", (p) => p.validateMonitor(body)),
    createMonitor: (body) => provision("creating a monitor", (p) => p.createMonitor(body)),
    updateMonitor: (id, body) => provision(`updating monitor ${id}`, (p) => p.updateMonitor(id, body)),
    deleteMonitor: (id) => provision(`deleting monitor ${id}`, (p) => p.deleteMonitor(id)),

    listDeploymentGates: () => provision("listing deployment gates", (p) => p.listDeploymentGates()),
    createDeploymentGate: (body) =>
      provision("creating a deployment gate", (p) => p.createDeploymentGate(body)),
    getDeploymentGateRules: (gateId) =>
      provision(`listing the rules of deployment gate ${gateId}`, (p) => p.getDeploymentGateRules(gateId)),
    createDeploymentRule: (gateId, body) =>
      provision(`creating a rule of deployment gate ${gateId}`, (p) => p.createDeploymentRule(gateId, body)),
    updateDeploymentRule: (gateId, id, body) =>
      provision(`updating rule ${id} of deployment gate ${gateId}`, (p) =>
        p.updateDeploymentRule(gateId, id, body),
      ),

    listCatalog: async (kinds) => {
      try {
        const listings = [];
        for (const kind of kinds)
          listings.push(
            await call("other", "listing the Software Catalog", true, () => listEntities(getJson, kind)),
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
        return call("other", "listing service definitions", true, () => listServiceDefinitions(getJson));
      }
    },

    validateKeys: async () => {
      await call("other", "validating the API key", false, () => send("GET", "/api/v1/validate"));
      if (!settings.appKey) return;
      try {
        // Datadog has no endpoint that validates an application key alone: a one-item dashboard list needs it.
        await call("other", "validating the application key", true, () =>
          send("GET", "/api/v1/dashboard", { query: { count: "1" } }),
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

/** The API for the environment's settings (DD_API_KEY, DD_APP_KEY, DD_SITE or the config's site, DOGDRIVER_DD_URL). */
export const datadogFromEnv = (
  config: Pick<Config, "datadogSite">,
  deps: ClientDeps & Pick<Deps, "env">,
): DatadogApi => createDatadog(datadogSettingsFromEnv(deps.env, config), deps);
