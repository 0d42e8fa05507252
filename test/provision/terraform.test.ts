import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Emulator, startDatadogEmulator } from "../support/datadog-emulator/index.js";
import { baseConfig, runProvision, workDir } from "./provision-fixtures.js";

// `provision --format terraform` against what `provision` really sends: the Terraform resources, read back the
// way the DataDog/datadog provider maps them to API bodies (written out here from its documentation, not from
// src/), must equal the bodies provision POSTs to the emulator.

let dd: Emulator;
beforeAll(async () => {
  dd = await startDatadogEmulator();
});
afterAll(async () => dd.close());
beforeEach(() => dd.reset());

type Json = Record<string, unknown>;

/** Terraform's template escapes undone: what the provider receives for a literal string. */
const literal = (text: string) => text.replace(/([$%])\1\{/g, "$1{");

const DASHBOARD_URL = ["$", "{datadog_dashboard_json.dogdriver_trend.url}"].join("");

// datadog_monitor's top-level arguments that the provider sends inside `options` (docs/resources/monitor.md).
const OPTION_ARGUMENTS = [
  "evaluation_delay",
  "include_tags",
  "no_data_timeframe",
  "notify_audit",
  "notify_no_data",
  "require_full_window",
  "timeout_h",
];

// `url` of datadog_dashboard_json is what the API returns: a path such as /dashboard/<id>.
const monitorBody = (resource: Json, dashboardPath: string): Json => {
  const body: Json = {};
  const options: Json = {};
  for (const [key, value] of Object.entries(resource)) {
    if (key === "monitor_thresholds") {
      const [thresholds] = value as Record<string, string>[];
      options.thresholds = Object.fromEntries(
        Object.entries(thresholds ?? {}).map(([k, v]) => [k, Number(v)]),
      );
    } else if (OPTION_ARGUMENTS.includes(key)) options[key] = value;
    else if (key === "priority") body.priority = Number(value);
    else if (key === "message")
      body.message = literal(String(value).split(DASHBOARD_URL).join(dashboardPath));
    else body[key] = typeof value === "string" ? literal(value) : value;
  }
  return { ...body, options };
};

const sortedKeys = (value: unknown): unknown =>
  Array.isArray(value)
    ? value.map(sortedKeys)
    : value !== null && typeof value === "object"
      ? Object.fromEntries(
          Object.entries(value)
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([k, v]) => [k, sortedKeys(v)]),
        )
      : value;

describe("provision --format terraform", () => {
  it("writes resources whose bodies equal what provision sends, without keys and without a request", async () => {
    const config = {
      ...baseConfig(),
      services: [
        { ...baseConfig().services[0], team: "storage" },
        { ...baseConfig().services[1], notify: ["@pagerduty-autopush"] },
      ],
      alerts: { ...baseConfig().alerts, notify_by_team: { storage: ["@slack-storage"] } },
    };
    const cwd = await workDir(config);
    const terraform = await runProvision(undefined, cwd, { format: "terraform" });
    expect(terraform.error).toBeUndefined();
    expect(dd.requests()).toEqual([]);
    const document = JSON.parse(terraform.stdout) as {
      terraform: Json;
      resource: {
        datadog_dashboard_json: Record<string, { dashboard: string }>;
        datadog_monitor: Record<string, Json>;
      };
    };
    expect(document.terraform).toEqual({ required_providers: { datadog: { source: "DataDog/datadog" } } });
    expect(Object.keys(document.resource.datadog_monitor)).toEqual([
      "dogdriver_release_regression",
      "dogdriver_error_rate",
      "dogdriver_no_runs",
    ]);

    const provisioned = await runProvision(dd, cwd);
    expect(provisioned.error).toBeUndefined();
    const sent = (path: string) =>
      dd
        .requests()
        .filter((r) => r.method === "POST" && r.path === path)
        .map((r) => r.body as Json);
    const [dashboardSent] = sent("/api/v1/dashboard");
    const dashboardId = dd.dashboards()[0]?.id;

    const dashboardResource = document.resource.datadog_dashboard_json.dogdriver_trend;
    expect(dashboardResource).toBeDefined();
    expect(JSON.parse(literal(String(dashboardResource?.dashboard)))).toEqual(dashboardSent);
    // No field the provider strips for its diff (widget ids, authors, url...).
    expect(dashboardResource?.dashboard).not.toMatch(/"(id|url|author_handle|created_at|modified_at)":/);

    const url = `/dashboard/${dashboardId}`;
    const fromTerraform = Object.values(document.resource.datadog_monitor).map((r) =>
      sortedKeys(monitorBody(r, url)),
    );
    expect(fromTerraform).toEqual(sent("/api/v1/monitor").map(sortedKeys));
    // The routing survives Terraform's template syntax.
    expect(JSON.stringify(fromTerraform)).toContain(
      '{{#is_exact_match \\"service.name\\" \\"kinto\\"}}@slack-storage{{/is_exact_match}}',
    );
  });

  it("writes a datadog_deployment_gate per gate: the provider's arguments only, the bodies provision sends", async () => {
    const cwd = await workDir({ ...baseConfig(), deployment_gates: { duration: "20m", dry_run: true } });
    const { stdout, error } = await runProvision(undefined, cwd, { format: "terraform" });
    expect(error).toBeUndefined();
    const gates = JSON.parse(stdout).resource.datadog_deployment_gate as Record<string, Json>;
    expect(Object.keys(gates)).toEqual(["dogdriver_gate_kinto_stage", "dogdriver_gate_autopush_stage"]);
    // docs/resources/deployment_gate.md of the provider: service, env, identifier, dry_run and `rule` blocks of
    // name, type, dry_run and an `options` block of duration, query, excluded_resources; "//" is a comment.
    for (const gate of Object.values(gates)) {
      expect(Object.keys(gate).sort()).toEqual(["//", "dry_run", "env", "identifier", "rule", "service"]);
      const [rule] = gate.rule as Json[];
      expect(Object.keys(rule ?? {}).sort()).toEqual(["dry_run", "name", "options", "type"]);
      expect(Object.keys((rule?.options ?? {}) as Json).sort()).toEqual(["duration", "query"]);
      expect(String(gate["//"])).toContain("fail_on_no_groups_found");
    }

    await runProvision(dd, cwd);
    const sent = (pattern: RegExp) =>
      dd
        .requests()
        .filter((r) => r.method === "POST" && pattern.test(r.path))
        .map((r) => (r.body as { data: { attributes: Json } }).data.attributes);
    // What the provider sends for the resource (resource_datadog_deployment_gate.go: the gate's attributes, then
    // each rule with its options), against what provision sent, less the two options the provider lacks.
    const fromTerraform = Object.values(gates).map(({ "//": _, rule, ...gate }) => ({ gate, rule }));
    expect(fromTerraform.map((t) => t.gate)).toEqual(sent(/^\/api\/v2\/deployment_gates$/));
    expect(fromTerraform.flatMap((t) => t.rule as Json[])).toEqual(
      sent(/\/rules$/).map((r) => {
        const { fail_on_no_groups_found: _a, fail_on_no_data: _b, ...options } = r.options as Json;
        return { ...r, options };
      }),
    );
  });

  it("escapes Terraform's template sequences in literal text", async () => {
    const config = {
      ...baseConfig(),
      services: [{ ...baseConfig().services[0], queries: { latency_ms: "avg:a{*}" } }],
    };
    const cwd = await workDir(config);
    const { stdout } = await runProvision(undefined, cwd, { format: "terraform" });
    const document = JSON.parse(stdout);
    const texts = JSON.stringify(document.resource);
    // Only the dashboard link is an interpolation; `$service.value` stays a literal dollar.
    expect([...texts.matchAll(/(?<![$])\$\{([^}]*)\}/g)].map((m) => m[1])).toEqual([
      "datadog_dashboard_json.dogdriver_trend.url",
      "datadog_dashboard_json.dogdriver_trend.url",
      "datadog_dashboard_json.dogdriver_trend.url",
    ]);
  });
});
