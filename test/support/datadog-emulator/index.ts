import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type CatalogState, catalogRoutes, checkEntity } from "./catalog-routes.js";
import { dashboardRoutes, type StoredDashboard } from "./dashboards-routes.js";
import { deploymentGateRoutes, type StoredGate } from "./deployment-gates-routes.js";
import { matchesEventSearch } from "./event-search.js";
import { createEvent } from "./events-route.js";
import { faultQueue, faultReply } from "./faults.js";
import { gateEvaluationRoutes } from "./gate-evaluation.js";
import {
  BadEncoding,
  decode,
  errorReply,
  PayloadTooLarge,
  parseJson,
  type Reply,
  readRaw,
  send,
} from "./http-io.js";
import { type GroupState, monitorGroupStates } from "./monitor-eval.js";
import { monitorRoutes, type StoredMonitor } from "./monitors-routes.js";
import { scalarQuery, timeseriesQuery, v1Query } from "./query-routes.js";
import { rateLimiter } from "./rate-limit.js";
import type { Route } from "./route.js";
import { acceptSeries, SERIES_MAX_DECOMPRESSED_BYTES, SERIES_MAX_PAYLOAD_BYTES } from "./series-intake.js";
import type {
  DroppedPoint,
  EmulatorOptions,
  FaultSpec,
  RateLimitSpec,
  RequestLogEntry,
  StoredEvent,
  StoredPoint,
} from "./types.js";

// A Datadog API stand-in on 127.0.0.1 for the tests: the real client talks to it through DOGDRIVER_DD_URL.
// Usage: `const dd = await startDatadogEmulator(); ... createDatadog({ baseUrl: dd.url, apiKey: dd.apiKey, ... })`.

export type { StoredGate, StoredRule } from "./deployment-gates-routes.js";
export {
  MAX_FUTURE_SECONDS,
  MAX_PAST_SECONDS,
  SERIES_MAX_DECOMPRESSED_BYTES,
  SERIES_MAX_PAYLOAD_BYTES,
} from "./series-intake.js";
export type { DroppedPoint, FaultSpec, RateLimitSpec, RequestLogEntry, StoredEvent, StoredPoint };

/** Keys the emulator accepts unless told otherwise (shaped like real ones: 32 and 40 hex characters). */
export const EMULATOR_API_KEY = "0123456789abcdef0123456789abcdef";
export const EMULATOR_APP_KEY = "fedcba9876543210fedcba9876543210fedcba98";

// Anything but a series payload is small; this only guards the emulator's memory.
const OTHER_MAX_BYTES = 16 * 1024 * 1024;

export interface Emulator {
  /** http://127.0.0.1:PORT: give it to the client as DOGDRIVER_DD_URL. */
  readonly url: string;
  readonly apiKey: string;
  readonly appKey: string;
  /** Every point ingested (after Datadog's name/tag normalisation; last write wins per series and second). */
  points(): StoredPoint[];
  /** The same points grouped per series (metric + tags), points sorted by time. */
  series(): { metric: string; tags: string[]; points: { timestamp: number; value: number }[] }[];
  /** Points accepted with 202 but not ingested because of Datadog's timestamp window. */
  droppedPoints(): DroppedPoint[];
  events(): StoredEvent[];
  dashboards(): StoredDashboard[];
  monitors(): StoredMonitor[];
  /** Deployment gates, each with its rules. */
  deploymentGates(): StoredGate[];
  requests(): RequestLogEntry[];
  /** The stored events a dashboard overlay search draws, with these template variable values. */
  searchEvents(query: string, variables?: Record<string, string>): StoredEvent[];
  /** A stored monitor's group states after Datadog would have evaluated it at each of `atMs` (see monitor-eval.ts). */
  monitorStates(
    id: number,
    atMs: readonly number[],
    optionOverrides?: Record<string, unknown>,
  ): Map<string, GroupState>;
  /** Makes the next matching request(s) fail (see FaultSpec). */
  inject(fault: FaultSpec): void;
  clearFaults(): void;
  /** Switches a rate limit on (undefined: off), e.g. { path: "/api/v2/query", limit: 10, periodSeconds: 60 }. */
  rateLimit(spec: RateLimitSpec | undefined): void;
  /**
   * Sets the Software Catalog: v3 entity definitions (checked with the official EntityV3 model). With
   * `entityApi: false` the entity API answers 404 and only the service-definition API serves them.
   */
  setCatalog(entities: Record<string, unknown>[], options?: { entityApi?: boolean }): void;
  /** Forgets all data, requests, faults and the rate limit. */
  reset(): void;
  close(): Promise<void>;
}

/** The environment dogdriver reads to reach the emulator with its keys. */
export const datadogEnv = (dd: Pick<Emulator, "apiKey" | "appKey" | "url">): Record<string, string> => ({
  DD_API_KEY: dd.apiKey,
  DD_APP_KEY: dd.appKey,
  DOGDRIVER_DD_URL: dd.url,
});

const keyState = (given: string | string[] | undefined, expected: string) =>
  given === undefined || given === "" ? "missing" : given === expected ? "valid" : "invalid";

export const startDatadogEmulator = async (options: EmulatorOptions = {}): Promise<Emulator> => {
  const apiKey = options.apiKey ?? EMULATOR_API_KEY;
  const appKey = options.appKey ?? EMULATOR_APP_KEY;
  const nowMs = options.nowMs ?? (() => Date.now());
  // metric -> series and second -> point: a query reads only its metric's points.
  const points = new Map<string, Map<string, StoredPoint>>();
  let dropped: DroppedPoint[] = [];
  let events: StoredEvent[] = [];
  const dashboards = new Map<string, StoredDashboard>();
  const monitors = new Map<number, StoredMonitor>();
  const gates = new Map<string, StoredGate>();
  let log: RequestLogEntry[] = [];
  const faults = faultQueue();
  const limiter = rateLimiter();
  const timers = new Set<NodeJS.Timeout>();
  const catalog: CatalogState = { entities: [], entityApi: true };

  const seriesStore = {
    store: (p: StoredPoint) => {
      const ofMetric = points.get(p.metric) ?? new Map<string, StoredPoint>();
      ofMetric.set(`${p.tags.join(",")}|${p.timestamp}`, p);
      points.set(p.metric, ofMetric);
    },
    drop: (p: DroppedPoint) => void dropped.push(p),
  };
  const stored = () => [...points.values()].flatMap((ofMetric) => [...ofMetric.values()]);
  const pointsOf = (metric: string) => [...(points.get(metric)?.values() ?? [])];
  const routes: Route[] = [
    {
      method: "POST",
      pattern: /^\/api\/v2\/series$/,
      auth: "api",
      handle: ({ body, nowMs: now }) => acceptSeries(body, now, seriesStore),
    },
    {
      method: "POST",
      pattern: /^\/api\/v1\/events$/,
      auth: "api",
      handle: ({ body, nowMs: now }) => {
        const { reply, event } = createEvent(body, now, 5_000_000_000 + events.length);
        if (event) events.push(event);
        return reply;
      },
    },
    {
      method: "POST",
      pattern: /^\/api\/v2\/query\/timeseries$/,
      auth: "api+app",
      handle: ({ body }) => timeseriesQuery(body, pointsOf),
    },
    {
      method: "POST",
      pattern: /^\/api\/v2\/query\/scalar$/,
      auth: "api+app",
      handle: ({ body }) => scalarQuery(body, pointsOf),
    },
    {
      method: "GET",
      pattern: /^\/api\/v1\/validate$/,
      auth: "api",
      handle: () => ({ status: 200, body: { valid: true } }),
    },
    {
      method: "GET",
      pattern: /^\/api\/v1\/query$/,
      auth: "api+app",
      handle: ({ query }) => v1Query(query, pointsOf),
    },
    ...dashboardRoutes(dashboards),
    ...monitorRoutes(monitors),
    ...catalogRoutes(catalog),
    ...deploymentGateRoutes(gates),
    ...gateEvaluationRoutes({
      gates,
      monitors: () => [...monitors.values()],
      groupStates: (monitor, atMs) => monitorGroupStates(monitor as never, pointsOf, atMs),
    }),
  ];

  const answer = async (
    req: IncomingMessage,
    raw: Buffer,
    path: string,
    query: Record<string, string>,
    entry: RequestLogEntry,
  ): Promise<Reply> => {
    const method = req.method ?? "GET";
    const route = routes.find((r) => r.method === method && r.pattern.test(path));
    if (!route) return errorReply(404, "Not found");
    const isSeries = path === "/api/v2/series";
    if (isSeries && raw.length > SERIES_MAX_PAYLOAD_BYTES) return errorReply(413, "Payload too large");
    if (entry.apiKey !== "valid" || (route.auth === "api+app" && entry.appKey !== "valid")) {
      return errorReply(403, "Forbidden");
    }
    let body: unknown;
    try {
      const decoded = decode(
        raw,
        entry.contentEncoding,
        isSeries ? SERIES_MAX_DECOMPRESSED_BYTES : OTHER_MAX_BYTES,
      );
      entry.decodedBytes = decoded.length;
      body = parseJson(decoded);
      entry.body = body;
    } catch (error) {
      if (error instanceof PayloadTooLarge) return errorReply(413, "Payload too large");
      if (error instanceof BadEncoding) return errorReply(400, error.message);
      return errorReply(400, "Malformed JSON");
    }
    const params = (route.pattern.exec(path) ?? []).slice(1);
    return route.handle({ method, path, params, query, body, nowMs: nowMs() });
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const path = url.pathname;
    const query = Object.fromEntries(url.searchParams);
    const header = (name: string) => req.headers[name] as string | undefined;
    const encoding = header("content-encoding");
    const entry: RequestLogEntry = {
      method: req.method ?? "GET",
      path,
      query,
      status: 0,
      body: undefined,
      bytes: 0,
      decodedBytes: 0,
      ...(encoding ? { contentEncoding: encoding } : {}),
      apiKey: keyState(header("dd-api-key"), apiKey),
      appKey: keyState(header("dd-application-key"), appKey),
    };
    log.push(entry);
    let raw: Buffer;
    try {
      raw = await readRaw(req, OTHER_MAX_BYTES);
    } catch {
      entry.status = 413;
      return send(res, errorReply(413, "Payload too large"));
    }
    entry.bytes = raw.length;
    const fault = faults.take(entry.method, path);
    if (fault?.delayMs) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          timers.delete(timer);
          resolve();
        }, fault.delayMs);
        timers.add(timer);
      });
    }
    if (fault?.hang) return; // the socket stays open until the client aborts or close() ends it
    if (fault?.stall) {
      res.writeHead(200, { "content-type": "application/json", "content-length": "1000" });
      res.write("{");
      return;
    }
    if (fault?.reset) {
      req.socket.destroy();
      return;
    }
    let reply: Reply;
    if (fault?.status) reply = faultReply({ ...fault, status: fault.status });
    else {
      const limit = limiter.check(path, nowMs());
      reply = limit?.limited
        ? errorReply(429, "Too many requests")
        : await answer(req, raw, path, query, entry);
      if (limit) reply = { ...reply, headers: { ...reply.headers, ...limit.headers } };
    }
    entry.status = reply.status;
    if (!res.destroyed) send(res, reply);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent && !res.destroyed)
        send(res, errorReply(500, `Emulator error: ${(error as Error).message}`));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    apiKey,
    appKey,
    points: () => stored().sort((a, b) => a.timestamp - b.timestamp || a.metric.localeCompare(b.metric)),
    series: () => {
      const bySeries = new Map<
        string,
        { metric: string; tags: string[]; points: { timestamp: number; value: number }[] }
      >();
      for (const p of stored().sort((a, b) => a.timestamp - b.timestamp)) {
        const key = `${p.metric}|${p.tags.join(",")}`;
        const s = bySeries.get(key) ?? { metric: p.metric, tags: p.tags, points: [] };
        s.points.push({ timestamp: p.timestamp, value: p.value });
        bySeries.set(key, s);
      }
      return [...bySeries.values()];
    },
    droppedPoints: () => [...dropped],
    events: () => [...events],
    dashboards: () => [...dashboards.values()],
    monitors: () => [...monitors.values()],
    deploymentGates: () => [...gates.values()].map((g) => ({ ...g, rules: g.rules.map((r) => ({ ...r })) })),
    requests: () => [...log],
    searchEvents: (query, variables = {}) => events.filter((e) => matchesEventSearch(e, query, variables)),
    monitorStates: (id, atMs, optionOverrides = {}) => {
      const monitor = monitors.get(id);
      if (monitor === undefined) throw new Error(`no monitor ${id} in the emulator`);
      const options = { ...(monitor.options as object), ...optionOverrides };
      return monitorGroupStates({ ...monitor, options } as never, pointsOf, atMs);
    },
    inject: (fault) => faults.inject(fault),
    clearFaults: () => faults.clear(),
    rateLimit: (spec) => limiter.set(spec),
    setCatalog: (entities, options) => {
      for (const entity of entities) checkEntity(entity);
      catalog.entities = [...entities];
      catalog.entityApi = options?.entityApi ?? true;
    },
    reset: () => {
      catalog.entities = [];
      catalog.entityApi = true;
      points.clear();
      dropped = [];
      events = [];
      dashboards.clear();
      monitors.clear();
      gates.clear();
      log = [];
      faults.clear();
      limiter.set(undefined);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
};
