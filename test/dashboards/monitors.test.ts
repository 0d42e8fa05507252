import { describe, expect, it } from "vitest";
import { runSeries } from "../../src/aggregator/run-series.js";
import { DEFAULTS } from "../../src/config/load.js";
import type { AlertsConfig } from "../../src/config/types.js";
import { buildMonitors, identityTag, type MonitorInput } from "../../src/dashboards/monitors.js";
import type { JsonObject } from "../../src/dashboards/types.js";
import type { RunRecord } from "../../src/store/run-record.js";
import { releaseSeries } from "../../src/verdicts/release-series.js";
import type { Comparison } from "../../src/verdicts/types.js";
import { intakeTags } from "../support/datadog-emulator/intake-names.js";
import { monitorGroupStates } from "../support/datadog-emulator/monitor-eval.js";
import type { PointSource } from "../support/datadog-emulator/query-eval.js";
import { roundTrip, unmodelled } from "./model-round-trip.js";
import { checkMetricQuery } from "./query-terms.js";

const alerts: AlertsConfig = {
  notify: ["@slack-perf", "@pagerduty-web"],
  notifyByTeam: {},
  regressionMetric: "client.latency_ms.p99",
  regressionPct: 12.5,
  errorRatePct: 2,
  staleHours: 3,
};
const input: MonitorInput = {
  alerts,
  runIntervalSeconds: 1800,
  settleMs: 600_000,
  dashboardUrl: "https://app.datadoghq.eu/dashboard/abc-def-ghi",
};
const all = (): MonitorJson[] => buildMonitors(input).map((m) => m.body as unknown as MonitorJson);
const body = (key: string): MonitorJson => {
  const found = buildMonitors(input).find((m) => m.key === key);
  if (found === undefined) throw new Error(`no monitor ${key}`);
  return found.body as unknown as MonitorJson;
};

interface MonitorJson {
  query: string;
  message: string;
  options: { thresholds: { critical: number }; notify_no_data: boolean; no_data_timeframe?: number };
}

const queryThreshold = (query: string) => Number(/(-?\d+(?:\.\d+)?)\s*$/.exec(query)?.[1]);

describe("the dogdriver monitors", () => {
  it("are three, each tagged managed_by:dogdriver and with its own identity tag", () => {
    const monitors = buildMonitors(input);
    expect(monitors.map((m) => m.key)).toEqual(["release_regression", "error_rate", "no_runs"]);
    for (const m of monitors) {
      expect(m.body.tags).toEqual(["managed_by:dogdriver", identityTag(m.key)]);
    }
  });

  it("go through the official Monitor model without loss", () => {
    for (const { body } of buildMonitors(input)) {
      const { model, back } = roundTrip(body, "Monitor");
      expect(unmodelled(model)).toEqual([]);
      expect(back).toEqual(body);
    }
  });

  it("use the query's threshold as options.thresholds.critical, taken from config.alerts", () => {
    expect(queryThreshold(body("release_regression").query)).toBe(12.5);
    expect(queryThreshold(body("error_rate").query)).toBe(2);
    for (const monitor of all()) {
      expect(monitor.options.thresholds.critical).toBe(queryThreshold(monitor.query));
    }
  });

  it("alert per service, env and location, on the configured regression metric", () => {
    expect(body("release_regression").query).toContain(
      "{metric:client.latency_ms.p99} by {env,service,location,version}",
    );
    expect(body("release_regression").query).toContain("dogdriver.release.change_pct");
    expect(body("release_regression").query).toContain("dogdriver.release.verdict");
    expect(body("error_rate").query).toContain("by {env,service,location}");
    expect(body("no_runs").query).toContain("by {env,service,location}");
    for (const monitor of all()) expect(`${monitor.query}\n${monitor.message}`).not.toMatch(/\bsource\b/);
  });

  it("name only contract metrics and tags", () => {
    for (const { body } of buildMonitors(input)) {
      const metricPart = String(body.query).replace(/^[a-z]+\(last_\d+[mh]\):/, "");
      expect(checkMetricQuery(metricPart, [])).toEqual([]);
    }
  });

  it("say which service, versions and change, link the dashboard filtered to the group and notify", () => {
    const message = body("release_regression").message as string;
    for (const piece of [
      "{{service.name}}",
      "{{env.name}}",
      "{{location.name}}",
      "{{version.name}}",
      "{{value}}%",
    ]) {
      expect(message).toContain(piece);
    }
    expect(message).toContain(
      "https://app.datadoghq.eu/dashboard/abc-def-ghi?tpl_var_service={{service.name}}&tpl_var_env={{env.name}}",
    );
    for (const monitor of all()) expect(monitor.message).toContain("@slack-perf @pagerduty-web");
  });

  it("resolve a replaced release's group after the window (timeout_h), and only that monitor", () => {
    // Release metrics are pushed for the newest release only, so an old version's group stops reporting.
    const regression = body("release_regression") as MonitorJson & { options: { timeout_h?: number } };
    expect(regression.query).toMatch(/^max\(last_4h\):/);
    expect(regression.options.timeout_h).toBe(4);
    expect(regression.message).toContain("replaced by a newer release");
    // No-data alerts must not resolve by themselves.
    expect((body("no_runs") as { options: { timeout_h?: number } }).options.timeout_h).toBeUndefined();
    const daily = buildMonitors({ ...input, runIntervalSeconds: 86_400 })[0]?.body.options as {
      timeout_h: number;
    };
    expect(daily.timeout_h).toBe(24);
  });

  it("route each service's alerts to its own recipients, besides alerts.notify", () => {
    const routed = buildMonitors({
      ...input,
      routes: [
        { services: ["kinto", "web"], handles: ["@slack-storage"] },
        { services: ["checkout"], handles: ["@pagerduty-pay", "@slack-pay"] },
      ],
    });
    for (const { body } of routed) {
      expect(body.message).toContain(
        '{{#is_exact_match "service.name" "kinto" "web"}}@slack-storage{{/is_exact_match}}',
      );
      expect(body.message).toContain(
        '{{#is_exact_match "service.name" "checkout"}}@pagerduty-pay @slack-pay{{/is_exact_match}}',
      );
      expect(body.message).toMatch(/\n@slack-perf @pagerduty-web$/);
    }
  });

  it("alert on missing runs after staleHours through no-data", () => {
    const { options, query } = body("no_runs");
    expect(options.notify_no_data).toBe(true);
    expect(options.no_data_timeframe).toBe(180);
    // Datadog asks for a no-data timeframe of at least twice the window.
    expect(query).toMatch(/^max\(last_90m\):/);
  });

  it("follow the defaults when the config says nothing", () => {
    const m = buildMonitors({
      alerts: { ...DEFAULTS.alerts, notify: [] },
      runIntervalSeconds: 1800,
      settleMs: 600_000,
    });
    expect(m[0]?.body.query).toMatch(/\{metric:client\.latency_ms\.p95\}.* > 10$/);
    expect(m[0]?.body.message).toContain("(the dogdriver dashboard)");
    expect(m[0]?.body.message).not.toContain("@");
  });
});

describe("per-endpoint series and the monitors", () => {
  const MINUTE = 60_000;
  const t0 = Date.parse("2026-11-24T10:00:00.000Z");
  // A release whose service-level p95 moved 1% (no change) while one endpoint got 50% slower (regression), and
  // whose run failed on half of that endpoint's requests but on 1% of the service's.
  const comparison = (endpoint?: string): Comparison =>
    ({
      service: "kinto",
      env: "stage",
      source: "ci",
      test: "dogdriver",
      metric: "client.latency_ms.p99",
      candidate: { version: "1.2.0" },
      change_pct: endpoint === undefined ? 1 : 50,
      verdict: endpoint === undefined ? "no_change" : "regression",
      as_of_ms: t0,
      ...(endpoint === undefined ? {} : { endpoint }),
    }) as unknown as Comparison;
  const run: RunRecord = {
    schema: "dogdriver.run.v2",
    id: "01JD0000000000000000000001",
    service: "kinto",
    env: "stage",
    version: "1.2.0",
    source: "ci",
    test: "dogdriver",
    started_at: new Date(t0).toISOString(),
    ended_at: new Date(t0 + MINUTE).toISOString(),
    state: "aggregated",
    client: {
      requests: 1000,
      errors: 10,
      rps: 16,
      latency_ms: { p50: 1, p75: 1, p90: 1, p95: 1, p99: 1, max: 1, mean: 1 },
      endpoints: [
        { name: "POST /api/cart", requests: 20, errors: 10, latency_ms: { p50: 1, p95: 1, p99: 1 } },
      ],
    },
  };
  const sent = [...releaseSeries([comparison(), comparison("POST /api/cart")]), ...runSeries(run)];
  // As the emulator's intake would store them.
  const points: PointSource = (metric) =>
    sent
      .filter((s) => s.metric === metric)
      .flatMap((s) =>
        s.points.map((p) => ({
          metric,
          tags: intakeTags(s.tags),
          timestamp: p.timestampMs / 1000,
          value: p.value,
          type: 3,
        })),
      );
  const states = (body: JsonObject) =>
    monitorGroupStates(body as { query: string }, points, [t0 + 30 * MINUTE]);

  it("stay per service: the endpoint's regression and error rate reach none of them", () => {
    const monitors = buildMonitors(input);
    expect(monitors.map((m) => m.key)).toEqual(["release_regression", "error_rate", "no_runs"]);
    for (const m of monitors) {
      expect(String(m.body.query)).not.toContain("endpoint");
      for (const [group] of states(m.body)) expect(group).not.toContain("endpoint");
    }
    const [regression, errors] = monitors;
    expect([...states(regression?.body ?? {}).values()]).toEqual(["OK"]);
    expect([...states(errors?.body ?? {}).values()]).toEqual(["OK"]);
  });

  it("add one grouped by endpoint only when endpoints.monitors is on", () => {
    const monitors = buildMonitors({ ...input, endpointMonitors: true });
    expect(monitors.map((m) => m.key)).toEqual([
      "release_regression",
      "error_rate",
      "no_runs",
      "endpoint_regression",
    ]);
    const endpoint = monitors[3]?.body as JsonObject;
    expect(endpoint.tags).toEqual(["managed_by:dogdriver", "dogdriver_monitor:endpoint_regression"]);
    expect(endpoint.query).toBe(
      "max(last_4h):avg:dogdriver.release.endpoint.change_pct{metric:client.latency_ms.p99} by {env,service,location,version,endpoint} * max:dogdriver.release.endpoint.verdict{metric:client.latency_ms.p99} by {env,service,location,version,endpoint} * (max:dogdriver.release.endpoint.verdict{metric:client.latency_ms.p99} by {env,service,location,version,endpoint} + 1) / 2 > 12.5",
    );
    expect(String(endpoint.message)).toContain("**{{endpoint.name}}** of **{{service.name}}**");
    expect(states(endpoint)).toEqual(
      new Map([["endpoint:post_/api/cart,env:stage,location:ci,service:kinto,version:1.2.0", "Alert"]]),
    );
    const { model, back } = roundTrip(endpoint, "Monitor");
    expect(unmodelled(model)).toEqual([]);
    expect(back).toEqual(endpoint);
  });
});
