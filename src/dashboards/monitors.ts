import type { AlertsConfig } from "../config/types.js";
import { ENDPOINT_TAG_KEY } from "../datadog/endpoint-tag.js";
import { LOCATION_TAG_KEY } from "../datadog/tag-names.js";
import {
  MANAGED_BY_TAG,
  RELEASE_CHANGE_PCT,
  RELEASE_ENDPOINT_CHANGE_PCT,
  RELEASE_ENDPOINT_VERDICT,
  RELEASE_VERDICT,
  RUN_ERROR_RATE,
  RUN_REQUESTS,
} from "./metric-names.js";
import { type NotifyRoute, notifyLines } from "./notify-routes.js";
import type { JsonObject } from "./types.js";

// The monitors `dogdriver provision` owns, as Datadog's snake_case Monitor JSON. Each carries managed_by:dogdriver
// and an identity tag, so provision finds it again whatever its name or id.

export const MONITOR_KEYS = ["release_regression", "error_rate", "no_runs", "endpoint_regression"] as const;
export type MonitorKey = (typeof MONITOR_KEYS)[number];

export const identityTag = (key: string): string => `dogdriver_monitor:${key}`;

export interface MonitorDefinition {
  key: MonitorKey;
  body: JsonObject;
}

export interface MonitorInput {
  alerts: AlertsConfig;
  /** The runner's period: windows must hold at least two runs or a sparse series reads as "no data". */
  runIntervalSeconds: number;
  /** Points are timestamped at the run's start but pushed only after the settle delay. */
  settleMs: number;
  /** The fleet dashboard, linked from every message (undefined before it exists: a dry run). */
  dashboardUrl?: string;
  /** Per-service recipients (services[].notify, alerts.notify_by_team), besides alerts.notify. */
  routes?: NotifyRoute[];
  /** config endpoints.monitors: also the release-regression monitor per endpoint. */
  endpointMonitors?: boolean;
}

const GROUP = `env,service,${LOCATION_TAG_KEY}`;
const WHERE = `{{${LOCATION_TAG_KEY}.name}}`;

const windowHours = (input: MonitorInput, atLeast: number): number =>
  Math.min(48, Math.max(atLeast, Math.ceil((2 * input.runIntervalSeconds) / 3600)));

const dashboardLink = (input: MonitorInput): string =>
  input.dashboardUrl === undefined
    ? "(the dogdriver dashboard)"
    : `${input.dashboardUrl}?tpl_var_service={{service.name}}&tpl_var_env={{env.name}}&tpl_var_${LOCATION_TAG_KEY}=${WHERE}`;

const notifyLine = (input: MonitorInput): string[] => notifyLines(input.routes ?? [], input.alerts.notify);

const options = (input: MonitorInput, extra: JsonObject, critical: number): JsonObject => ({
  thresholds: { critical },
  // Per-run gauges are sparse: a partial window is the normal case, not a reason to skip evaluation.
  require_full_window: false,
  // Points arrive settle + one aggregate pass after their timestamp; evaluating later sees them all.
  evaluation_delay: Math.ceil(input.settleMs / 1000) + 900,
  include_tags: true,
  notify_audit: false,
  notify_no_data: false,
  ...extra,
});

const monitor = (
  key: MonitorKey,
  fields: { name: string; query: string; message: string[]; priority: number },
  opts: JsonObject,
): MonitorDefinition => ({
  key,
  body: {
    name: fields.name,
    type: "query alert",
    query: fields.query,
    message: fields.message.join("\n"),
    tags: [MANAGED_BY_TAG, identityTag(key)],
    priority: fields.priority,
    options: opts,
  },
});

/**
 * change × [verdict is 1] > pct over `by`: verdict·(verdict+1)/2 is 1 for a regression and 0 for -1 or 0, in plain
 * arithmetic (no function a monitor might not accept). The monitor's value is then the change itself, for {{value}}.
 */
const regressionQuery = (input: MonitorInput, change: string, verdictMetric: string, by: string) => {
  const verdict = `max:${verdictMetric}${by}`;
  return `max(last_${windowHours(input, 4)}h):avg:${change}${by} * ${verdict} * (${verdict} + 1) / 2 > ${input.alerts.regressionPct}`;
};

const releaseRegression = (input: MonitorInput): MonitorDefinition => {
  const metric = input.alerts.regressionMetric.toLowerCase();
  const pct = input.alerts.regressionPct;
  const hours = windowHours(input, 4);
  const by = `{metric:${metric}} by {${GROUP},version}`;
  return monitor(
    "release_regression",
    {
      name: `[dogdriver] Release regression on ${metric}`,
      query: regressionQuery(input, RELEASE_CHANGE_PCT, RELEASE_VERDICT, by),
      priority: 2,
      message: [
        "{{#is_alert}}",
        `**{{service.name}}** ({{env.name}}, measured from ${WHERE}) is slower with release **{{version.name}}**: ${metric} changed by {{value}}% against the release before it (alert at {{threshold}}%, with a regression verdict).`,
        "{{/is_alert}}",
        "{{#is_recovery}}",
        "{{service.name}} ({{env.name}}) release {{version.name}}: no longer a regression, or replaced by a newer release.",
        "{{/is_recovery}}",
        "",
        `Trend: ${dashboardLink(input)}`,
        "The verdict event in Datadog, or `dogdriver report {{service.name}}`, names the baseline version and the evidence.",
        ...notifyLine(input),
      ],
    },
    // Release metrics are pushed for the newest release only: once a newer one is compared, the replaced
    // version's group stops reporting and would stay triggered for good. timeout_h resolves it after the window
    // (Datadog takes 0-24 h), so the alert follows the release that is deployed.
    options(input, { timeout_h: Math.min(24, hours) }, pct),
  );
};

/**
 * The same regression rule per endpoint (config endpoints.monitors), on the endpoint metrics: one multi-alert
 * monitor whose groups add `endpoint`. Off by default: a service of 20 endpoints is 20 more groups that can page.
 */
const endpointRegression = (input: MonitorInput): MonitorDefinition => {
  const metric = input.alerts.regressionMetric.toLowerCase();
  const hours = windowHours(input, 4);
  const by = `{metric:${metric}} by {${GROUP},version,${ENDPOINT_TAG_KEY}}`;
  return monitor(
    "endpoint_regression",
    {
      name: `[dogdriver] Endpoint regression on ${metric}`,
      query: regressionQuery(input, RELEASE_ENDPOINT_CHANGE_PCT, RELEASE_ENDPOINT_VERDICT, by),
      priority: 3,
      message: [
        "{{#is_alert}}",
        `**{{endpoint.name}}** of **{{service.name}}** ({{env.name}}, measured from ${WHERE}) is slower with release **{{version.name}}**: ${metric} changed by {{value}}% against the release before it (alert at {{threshold}}%, with a regression verdict).`,
        "{{/is_alert}}",
        "{{#is_recovery}}",
        "{{service.name}} ({{env.name}}) release {{version.name}}, {{endpoint.name}}: no longer a regression, or replaced by a newer release.",
        "{{/is_recovery}}",
        "",
        `Trend: ${dashboardLink(input)}`,
        ...notifyLine(input),
      ],
    },
    options(input, { timeout_h: Math.min(24, hours) }, input.alerts.regressionPct),
  );
};

const errorRate = (input: MonitorInput): MonitorDefinition => {
  const pct = input.alerts.errorRatePct;
  // The metric is a fraction; ×100 makes the threshold and {{value}} percents, like the config.
  const query = `avg(last_${windowHours(input, 1)}h):100 * avg:${RUN_ERROR_RATE}{*} by {${GROUP}} > ${pct}`;
  return monitor(
    "error_rate",
    {
      name: "[dogdriver] Load-test error rate",
      query,
      priority: 3,
      message: [
        "{{#is_alert}}",
        `The dogdriver load test of **{{service.name}}** ({{env.name}}, from ${WHERE}) failed on {{value}}% of its requests (alert at {{threshold}}%). Its latency figures are not comparable while it fails.`,
        "{{/is_alert}}",
        "{{#is_recovery}}{{service.name}} ({{env.name}}): the load test's error rate is back under {{threshold}}%.{{/is_recovery}}",
        "",
        `Trend: ${dashboardLink(input)}`,
        ...notifyLine(input),
      ],
    },
    options(input, {}, pct),
  );
};

const noRuns = (input: MonitorInput): MonitorDefinition => {
  const staleMinutes = Math.round(input.alerts.staleHours * 60);
  // Alerts only through "no data": requests are never negative. Datadog asks for a no-data timeframe of at
  // least twice the evaluation window.
  const windowMinutes = Math.max(5, Math.floor(staleMinutes / 2));
  return monitor(
    "no_runs",
    {
      name: "[dogdriver] No load-test runs recorded",
      query: `max(last_${windowMinutes}m):max:${RUN_REQUESTS}{*} by {${GROUP}} < 0`,
      priority: 3,
      message: [
        "{{#is_no_data}}",
        `No dogdriver run of **{{service.name}}** ({{env.name}}) from ${WHERE} reached Datadog for ${input.alerts.staleHours} h: the runner (\`dogdriver schedule\`) or \`dogdriver aggregate\` has stopped, or lost its Datadog keys.`,
        "{{/is_no_data}}",
        `{{#is_recovery}}{{service.name}} ({{env.name}}) from ${WHERE}: runs are recorded again.{{/is_recovery}}`,
        "",
        `Trend: ${dashboardLink(input)}`,
        ...notifyLine(input),
      ],
    },
    options(input, { notify_no_data: true, no_data_timeframe: staleMinutes }, 0),
  );
};

/** The monitors the configuration asks for, in a stable order. */
export const buildMonitors = (input: MonitorInput): MonitorDefinition[] => [
  releaseRegression(input),
  errorRate(input),
  noRuns(input),
  ...(input.endpointMonitors ? [endpointRegression(input)] : []),
];
