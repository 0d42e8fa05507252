import type { v1, v2 } from "@datadog/datadog-api-client";

// The narrow set of Datadog operations dogdriver uses. One implementation (client.ts) is built in exactly one
// place (createDatadog) from DatadogSettings; tests point it at the emulator (test/support/datadog-emulator).
// Domain units: times are milliseconds since the epoch; request-bodies.ts converts to Datadog's units.

export interface DatadogSettings {
  apiKey?: string;
  appKey?: string;
  /** datadoghq.com, datadoghq.eu, us3.datadoghq.com, ... */
  site: string;
  /** DOGDRIVER_DD_URL: replaces the Datadog host for every call (proxies, the emulator). */
  baseUrl?: string;
  /** Per-request timeout. */
  timeoutMs: number;
  /** Retries of 429 and 5xx (never 400/401/403/413). */
  maxRetries: number;
  /** First wait before a retry when Datadog sent no X-RateLimit-Reset; doubles per attempt (default 1000). */
  retryBaseMs?: number;
  /** Longest wait before a retry (default 60000); a rate limit resetting later fails at once. */
  maxRetryWaitMs?: number;
  /** Largest answer read, in bytes after content decoding (default 4 MiB); a larger one is a DatadogError. */
  maxAnswerBytes?: number;
}

export interface MetricSeries {
  metric: string;
  /** gauge unless said otherwise. */
  type?: "gauge" | "count" | "rate";
  unit?: string;
  tags: string[];
  points: { timestampMs: number; value: number }[];
}

export interface SubmitResult {
  /** Number of POSTs made (payloads are split under Datadog's size limits). */
  requests: number;
  points: number;
}

export interface NamedQuery {
  name: string;
  query: string;
}

export interface TimeseriesResult {
  /** One entry per query name and group (groupTags empty without `by`). */
  series: { name: string; groupTags: string[]; timesMs: number[]; values: (number | null)[] }[];
}

export interface ScalarResult {
  /** query name -> value (null when Datadog had no data). Groups are not used here. */
  values: Record<string, number | null>;
}

export interface DatadogEvent {
  title: string;
  text: string;
  tags: string[];
  /** Events with the same key are grouped in Datadog (≤100 chars). */
  aggregationKey?: string;
  alertType?: "error" | "warning" | "info" | "success";
  timestampMs?: number;
}

export interface RateLimitState {
  /** From the last X-RateLimit-* headers seen for that limit name (undefined until a call returned them). */
  limit?: number;
  remaining?: number;
  resetSeconds?: number;
  periodSeconds?: number;
  name?: string;
}

export interface CallCounts {
  queries: number;
  submissions: number;
  events: number;
  other: number;
}

/** One Software Catalog definition as read (remote text: validate before use, sanitize before printing). */
export interface CatalogDefinition {
  /** The entity's name (the service). */
  name: string;
  kind: string;
  /** The entity's owner (a v3 entity's metadata.owner, a v2.2 definition's team). */
  owner?: string;
  tags: string[];
  /** The definition's `extensions` object as sent (anything: not yet checked). */
  extensions: unknown;
}

export interface CatalogListing {
  /** Which API answered: the entity API, or the service-definition API where the first is not available. */
  api: "entity" | "service-definition";
  /** Pages read. */
  pages: number;
  definitions: CatalogDefinition[];
}

/** A rule of a deployment gate as Datadog lists it, with its id (sent outside the client's model). */
export interface DeploymentRule {
  id: string;
  rule: v2.DeploymentRuleResponseDataAttributes;
}

/** Datadog Deployment Gates (a preview API): what `provision` reads and writes of them. */
export interface DeploymentGateCalls {
  /** Every gate of the organisation, every page. */
  listDeploymentGates(): Promise<v2.DeploymentGateResponseData[]>;
  createDeploymentGate(gate: v2.CreateDeploymentGateParams): Promise<v2.DeploymentGateResponseData>;
  getDeploymentGateRules(gateId: string): Promise<DeploymentRule[]>;
  createDeploymentRule(
    gateId: string,
    rule: v2.CreateDeploymentRuleParams,
  ): Promise<v2.DeploymentRuleResponseData>;
  updateDeploymentRule(gateId: string, ruleId: string, rule: v2.UpdateDeploymentRuleParams): Promise<void>;
}

/** The calls made through Datadog's official client (dashboards, monitors, deployment gates: `provision` only). */
export type ProvisioningCalls = DeploymentGateCalls &
  Pick<
    DatadogApi,
    | "listDashboards"
    | "getDashboard"
    | "createDashboard"
    | "updateDashboard"
    | "deleteDashboard"
    | "listMonitors"
    | "getMonitor"
    | "validateMonitor"
    | "createMonitor"
    | "updateMonitor"
    | "deleteMonitor"
  >;

export interface DatadogApi extends DeploymentGateCalls {
  readonly site: string;
  /** True when an API key is set (writes possible); queries and provisioning also need the app key. */
  readonly canWrite: boolean;
  readonly canRead: boolean;

  submitMetrics(series: MetricSeries[]): Promise<SubmitResult>;
  queryTimeseries(
    fromMs: number,
    toMs: number,
    queries: NamedQuery[],
    intervalMs?: number,
  ): Promise<TimeseriesResult>;
  queryScalar(
    fromMs: number,
    toMs: number,
    queries: NamedQuery[],
    aggregator?: "avg" | "min" | "max" | "sum" | "last",
  ): Promise<ScalarResult>;
  postEvent(event: DatadogEvent): Promise<void>;

  listDashboards(): Promise<v1.DashboardSummaryDefinition[]>;
  getDashboard(id: string): Promise<v1.Dashboard>;
  createDashboard(dashboard: v1.Dashboard): Promise<v1.Dashboard>;
  updateDashboard(id: string, dashboard: v1.Dashboard): Promise<v1.Dashboard>;
  deleteDashboard(id: string): Promise<void>;

  /** Monitors carrying this monitor tag (e.g. "managed_by:dogdriver"). */
  listMonitors(monitorTag: string): Promise<v1.Monitor[]>;
  getMonitor(id: number): Promise<v1.Monitor>;
  validateMonitor(monitor: v1.Monitor): Promise<void>;
  createMonitor(monitor: v1.Monitor): Promise<v1.Monitor>;
  updateMonitor(id: number, monitor: v1.MonitorUpdateRequest): Promise<v1.Monitor>;
  deleteMonitor(id: number): Promise<void>;

  /** Software Catalog definitions of these kinds, every page (the service-definition API as a fallback). */
  listCatalog(kinds: readonly string[]): Promise<CatalogListing>;

  /** Checks the API key (GET /api/v1/validate) and, when set, the application key; throws a DatadogError naming the rejected key. */
  validateKeys(): Promise<void>;

  /** What the last rate-limited call said about the remaining budget, by limit name. */
  rateLimits(): Record<string, RateLimitState>;
  /** Calls made through this client so far (for summaries: "3 query calls"). */
  calls(): CallCounts;
}
