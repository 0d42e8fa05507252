// The validated, defaults-applied configuration every command receives. Durations are milliseconds.

export interface VersionSource {
  /** Fetch `url` and read `field` (a dotted path) from its JSON answer... */
  url?: string;
  field?: string;
  /** ...or use this fixed version string. */
  fixed?: string;
}

export interface TestSource {
  /** A git URL or a local directory holding molotov.json. */
  repo: string;
  /** The key under `molotov.tests` in molotov.json. */
  name: string;
  ref?: string;
  /** Hard limit for one Molotov run, from start to the last worker's exit. */
  timeoutMs?: number;
}

export interface ServiceConfig {
  name: string;
  env: string;
  endpoint: string;
  version: VersionSource;
  test: TestSource;
  /** Named Datadog metric queries with {service}, {env}, {version} placeholders. */
  queries: Record<string, string>;
  topologyQuery?: string;
  /** The server's latency per endpoint: a query grouped by resource (placeholders as `queries`), when configured. */
  endpointQuery?: string;
  /** The owning team (config `team`, or the catalog entity's owner): a `team` tag on runs, metrics and events. */
  team?: string;
  /** Handles the monitors notify for this service, besides alerts.notify (alerts.notifyByTeam adds the team's). */
  notify: string[];
  /** This service's "no change" margin in percent, when it differs from verdicts.equivalencePct. */
  equivalencePct?: number;
}

export interface DiscoverConfig {
  datadog: boolean;
  owners: string[];
  tags: string[];
  /** Entity kinds to read; only "service" entities are ever run. */
  kinds: string[];
  /** Absolute directories inside which a catalog entity's test.repo may be local (src/config/test-repo.ts). */
  localRepoDirs: string[];
}

export interface AlertsConfig {
  /** Who monitors notify for every service: "@slack-perf", "@pagerduty-web", "@someone@example.com". */
  notify: string[];
  /** Team -> handles notified for the services of that team. */
  notifyByTeam: Record<string, string[]>;
  /** A release whose change on this metric exceeds `regressionPct` with a regression verdict alerts. */
  regressionMetric: string;
  regressionPct: number;
  /** Load-test error rate (percent of requests) that alerts. */
  errorRatePct: number;
  /** Alert when a service has recorded no run for this many hours. */
  staleHours: number;
}

/** config deployment_gates: what `provision` makes in Datadog's Deployment Gates (docs/verify.md). */
export interface DeploymentGatesConfig {
  /** "name" or "name/env" entries; empty: every configured service/env. */
  services: string[];
  /** With the service and env, the gate's identity in Datadog. */
  identifier: string;
  /** The rule runs in dry-run mode: evaluated and shown, never failing the gate. */
  dryRun: boolean;
  /** How long an evaluation watches the monitor (0: its state once), in seconds as Datadog takes it. */
  durationSeconds: number;
}

export interface Config {
  /** Where the config came from, for messages ("defaults" when no file was found). */
  file: string;
  store: string;
  source: string;
  settleMs: number;
  /** Store requests `aggregate` keeps in flight at once. */
  storeConcurrency: number;
  /** `spool` as written (relative to the working directory); DOGDRIVER_SPOOL_DIR outranks it. */
  spoolDir?: string;
  schedule: { run: string; aggregate: string };
  services: ServiceConfig[];
  alerts: AlertsConfig;
  /** Deployment gates `provision` manages; undefined when the configuration does not ask for them. */
  deploymentGates?: DeploymentGatesConfig;
  /** "No change" when a release's 95% interval lies within ± this many percent (per service: equivalencePct). */
  verdicts: { equivalencePct: number };
  /** Endpoints a run record keeps (the rest merged into "other"); per-endpoint regression monitors or not. */
  endpoints: { max: number; monitors: boolean };
  /** Which dogdriver.* metrics aggregate pushes (include empty: all). */
  metrics: { include: string[]; exclude: string[] };
  /** Datadog site from the config (DD_SITE wins). */
  datadogSite?: string;
  /** Software Catalog discovery, when configured. */
  discover?: DiscoverConfig;
}
