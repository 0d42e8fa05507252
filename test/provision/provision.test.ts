import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Emulator, startDatadogEmulator } from "../support/datadog-emulator/index.js";
import { baseConfig, runProvision, workDir, writeConfig, writes } from "./provision-fixtures.js";

let dd: Emulator;
beforeAll(async () => {
  dd = await startDatadogEmulator();
});
afterAll(async () => dd.close());
beforeEach(() => dd.reset());

interface MonitorJson {
  message: string;
  query: string;
  options: { thresholds: { critical: number } };
}
const monitorOf = (key: string): MonitorJson => {
  const found = dd.monitors().find((m) => m.tags.includes(`dogdriver_monitor:${key}`));
  if (found === undefined) throw new Error(`no monitor ${key} in the emulator`);
  return found as unknown as MonitorJson;
};
const dashboardWith = (marker: string) => {
  const found = dd.dashboards().find((d) => String(d.description).includes(marker));
  if (found === undefined) throw new Error(`no dashboard with ${marker} in the emulator`);
  return found as unknown as { id: string; title: string; template_variables: { defaults: string[] }[] };
};

describe("dogdriver provision against the Datadog emulator", () => {
  it("twice: exactly one dashboard and one set of monitors, and the second run writes nothing", async () => {
    const cwd = await workDir();
    const first = await runProvision(dd, cwd);
    expect(first.error).toBeUndefined();
    expect(dd.dashboards()).toHaveLength(1);
    expect(dd.monitors()).toHaveLength(3);
    const firstWrites = writes(dd).length;

    const second = await runProvision(dd, cwd);
    expect(second.error).toBeUndefined();
    expect(dd.dashboards()).toHaveLength(1);
    expect(dd.monitors()).toHaveLength(3);
    expect(writes(dd)).toHaveLength(firstWrites);
    expect(second.stderr).toContain("provision: no changes");

    const dashboard = dashboardWith("[dogdriver:trend]");
    expect(JSON.stringify(dashboard)).toContain("dogdriver.run.server.cpu_pct");
    for (const m of dd.monitors()) expect(m.tags).toContain("managed_by:dogdriver");
    // The monitors link to the dashboard that was created.
    expect(String(monitorOf("release_regression").message)).toContain(
      `https://app.datadoghq.com/dashboard/${dashboard.id}?tpl_var_service={{service.name}}`,
    );
    const state = JSON.parse(await readFile(join(cwd, ".dogdriver/_dogdriver/provision.json"), "utf8"));
    expect(state.sites["datadoghq.com"].dashboards.trend).toBe(dashboard.id);
  });

  it("--json prints the plan: with --dry-run what it would do, else what it did with the new ids", async () => {
    const cwd = await workDir();
    const dry = await runProvision(dd, cwd, { dryRun: true, json: true });
    const planned = JSON.parse(dry.stdout);
    expect(planned).toMatchObject({ dry_run: true, site: "datadoghq.com", compared: true, changes: 4 });
    expect(planned.dashboard).toMatchObject({ key: "trend", action: "create" });
    expect(planned.monitors.map((m: { key: string; action: string }) => `${m.key} ${m.action}`)).toEqual([
      "release_regression create",
      "error_rate create",
      "no_runs create",
    ]);
    expect(dd.monitors()).toHaveLength(0);

    const applied = JSON.parse((await runProvision(dd, cwd, { json: true })).stdout);
    expect(applied).toMatchObject({ dry_run: false, changes: 4 });
    expect(applied.dashboard.id).toBe(dd.dashboards()[0]?.id);
    expect(applied.monitors.map((m: { id: number }) => m.id).sort()).toEqual(
      dd
        .monitors()
        .map((m) => m.id)
        .sort(),
    );
    const again = JSON.parse((await runProvision(dd, cwd, { json: true })).stdout);
    expect(again).toMatchObject({ changes: 0, dashboard: { action: "unchanged" } });
  });

  it("--dry-run after provisioning: no changes, nothing sent", async () => {
    const cwd = await workDir();
    await runProvision(dd, cwd);
    const before = writes(dd).length;
    const dry = await runProvision(dd, cwd, { dryRun: true });
    expect(dry.error).toBeUndefined();
    expect(dry.stdout).toContain("No changes.");
    expect(dry.stdout).not.toContain("PUT ");
    expect(writes(dd)).toHaveLength(before);
    expect(dry.stdout + dry.stderr).not.toContain(dd.apiKey);
    expect(dry.stdout + dry.stderr).not.toContain(dd.appKey);
  });

  it("finds the dashboard again by its marker when the stored state is gone", async () => {
    const cwd = await workDir();
    await runProvision(dd, cwd);
    const other = await workDir(); // a second machine: same Datadog org, no state file
    const dry = await runProvision(dd, other, { dryRun: true });
    expect(dry.stdout).toMatch(
      /dashboard "dogdriver: release performance trend": \S+ \(found by marker\) unchanged/,
    );
    await runProvision(dd, other);
    expect(dd.dashboards()).toHaveLength(1);
  });

  it("after a new threshold: --dry-run shows the differences and the payload, then provision updates in place", async () => {
    const cwd = await workDir();
    await runProvision(dd, cwd);
    const ids = dd
      .monitors()
      .map((m) => m.id)
      .sort();
    const dashboardId = dd.dashboards()[0]?.id;
    const config = baseConfig();
    config.alerts.regression_pct = 15;
    await writeConfig(cwd, config);

    const dry = await runProvision(dd, cwd, { dryRun: true });
    expect(dry.stdout).toContain("options.thresholds.critical: 10 -> 15");
    expect(dry.stdout).toMatch(/monitor release_regression "[^"]+": \d+ update/);
    expect(dry.stdout).toMatch(/monitor error_rate "[^"]+": \d+ unchanged/);
    expect(dry.stdout).toContain(`PUT /api/v1/dashboard/${dashboardId}`);
    expect(dry.stdout).toContain('"value": "y = 15"');
    expect(dry.stdout).toContain("2 change(s).");
    expect(monitorOf("release_regression").options.thresholds.critical).toBe(10);

    const real = await runProvision(dd, cwd);
    expect(real.error).toBeUndefined();
    expect(
      dd
        .monitors()
        .map((m) => m.id)
        .sort(),
    ).toEqual(ids);
    expect(dd.dashboards().map((d) => d.id)).toEqual([dashboardId]);
    const regression = monitorOf("release_regression");
    expect(regression.options.thresholds.critical).toBe(15);
    expect(regression.query).toMatch(/ > 15$/);
    expect(JSON.stringify(dd.dashboards()[0])).toContain('"value":"y = 15"');
    expect((await runProvision(dd, cwd, { dryRun: true })).stdout).toContain("No changes.");
  });

  it("restores a dashboard edited in the UI and drops widgets added there", async () => {
    const cwd = await workDir();
    await runProvision(dd, cwd);
    const id = dd.dashboards()[0]?.id ?? "";
    const edited = JSON.parse(JSON.stringify(dd.dashboards()[0]));
    edited.title = "renamed by hand";
    edited.widgets.push({ definition: { type: "note", content: "added in the UI" } });
    const res = await fetch(`${dd.url}/api/v1/dashboard/${id}`, {
      method: "PUT",
      headers: {
        "content-type": "application/json",
        "DD-API-KEY": dd.apiKey,
        "DD-APPLICATION-KEY": dd.appKey,
      },
      body: JSON.stringify(edited),
    });
    expect(res.status).toBe(200);
    const dry = await runProvision(dd, cwd, { dryRun: true });
    expect(dry.stdout).toContain('title: "renamed by hand" -> "dogdriver: release performance trend"');
    expect(dry.stdout).toContain("widgets: 1 item(s) more than wanted (removed)");
    await runProvision(dd, cwd);
    expect(dd.dashboards()[0]?.title).toBe("dogdriver: release performance trend");
    expect(JSON.stringify(dd.dashboards()[0])).not.toContain("added in the UI");
  });

  it("keeps a managed monitor the config no longer asks for, and deletes it only with --prune", async () => {
    const cwd = await workDir();
    await runProvision(dd, cwd);
    const headers = {
      "content-type": "application/json",
      "DD-API-KEY": dd.apiKey,
      "DD-APPLICATION-KEY": dd.appKey,
    };
    const post = async (body: object) =>
      (
        await fetch(`${dd.url}/api/v1/monitor`, { method: "POST", headers, body: JSON.stringify(body) })
      ).json();
    const base = {
      type: "query alert",
      query: "avg(last_1h):avg:dogdriver.run.rps{*} > 1",
      options: { thresholds: { critical: 1 } },
    };
    // Left by an older dogdriver (a monitor it no longer makes), and one that is not dogdriver's at all.
    const old = (await post({
      ...base,
      name: "[dogdriver] old",
      tags: ["managed_by:dogdriver", "dogdriver_monitor:rps_drop"],
    })) as { id: number };
    const foreign = (await post({ ...base, name: "someone else's", tags: ["team:perf"] })) as { id: number };

    const kept = await runProvision(dd, cwd);
    expect(kept.stderr).toContain(
      `monitor ${old.id} "[dogdriver] old" is managed by dogdriver but no longer wanted`,
    );
    expect(dd.monitors()).toHaveLength(5);

    const dry = await runProvision(dd, cwd, { dryRun: true, prune: true });
    expect(dry.stdout).toContain(`DELETE /api/v1/monitor/${old.id}`);
    expect(dd.monitors()).toHaveLength(5);

    await runProvision(dd, cwd, { prune: true });
    const left = dd.monitors().map((m) => m.id);
    expect(left).not.toContain(old.id);
    expect(left).toContain(foreign.id);
    expect(left).toHaveLength(4);
  });

  it("stops before changing anything when Datadog refuses a monitor", async () => {
    const cwd = await workDir();
    dd.inject({
      path: "/api/v1/monitor/validate",
      status: 400,
      body: { errors: ["Alert threshold (10) does not match that used in the query (12)."] },
    });
    const result = await runProvision(dd, cwd);
    expect(String((result.error as Error)?.message)).toMatch(
      /monitor release_regression .*refused.*Nothing was changed/,
    );
    expect(String((result.error as Error)?.message)).toContain("Alert threshold (10)");
    expect(writes(dd)).toEqual([]);
    expect(dd.dashboards()).toHaveLength(0);
    expect(dd.monitors()).toHaveLength(0);
  });

  it("refuses a regression metric that would change the monitor's query, before reading Datadog", async () => {
    const config = {
      ...baseConfig(),
      alerts: { ...baseConfig().alerts, regression_metric: "client.latency_ms.p95} by {host" },
    };
    const result = await runProvision(dd, await workDir(config));
    expect((result.error as { code?: string }).code).toBe("invalid_config");
    // The configuration refuses it now (no comparison is made on it); the monitor's own check stays behind it.
    expect((result.error as { details?: string[] }).details).toEqual([
      expect.stringContaining('alerts.regression_metric: "client.latency_ms.p95} by {host" is not a metric'),
    ]);
    expect(dd.requests()).toEqual([]);
  });

  it("makes a per-service dashboard from the same code and leaves the monitors alone", async () => {
    const cwd = await workDir();
    await runProvision(dd, cwd);
    const result = await runProvision(dd, cwd, { service: "kinto" });
    expect(result.error).toBeUndefined();
    expect(dd.dashboards()).toHaveLength(2);
    const kinto = dashboardWith("[dogdriver:trend:kinto]");
    expect(kinto.title).toBe("dogdriver: kinto release performance trend");
    expect(kinto.template_variables[0]?.defaults).toEqual(["kinto"]);
    await runProvision(dd, cwd, { service: "kinto" });
    expect(dd.dashboards()).toHaveLength(2);
    // Only that service's queries get a chart.
    await runProvision(dd, cwd, { service: "autopush" });
    const autopush = JSON.stringify(
      dd.dashboards().find((d) => String(d.description).includes(":autopush]")),
    );
    expect(autopush).toContain("dogdriver.run.server.latency_ms{");
    expect(autopush).not.toContain("dogdriver.run.server.cpu_pct{");
    expect(JSON.stringify(kinto)).toContain("dogdriver.run.server.cpu_pct{");
    expect(dd.dashboards()).toHaveLength(3);
    expect(dd.monitors()).toHaveLength(3);
  });
});

describe("dogdriver provision without keys", () => {
  it("refuses, says which keys are missing, and sends nothing", async () => {
    const dd = await startDatadogEmulator();
    try {
      const cwd = await workDir();
      const result = await runProvision(
        undefined,
        cwd,
        {},
        { DOGDRIVER_DD_URL: dd.url, DD_API_KEY: dd.apiKey },
      );
      expect((result.error as { code?: string }).code).toBe("invalid_config");
      expect(String((result.error as Error).message)).toContain("DD_API_KEY and DD_APP_KEY");
      expect(dd.requests()).toEqual([]);
    } finally {
      await dd.close();
    }
  });

  it("--dry-run still prints what it would create, and never a key", async () => {
    const cwd = await workDir();
    const result = await runProvision(
      undefined,
      cwd,
      { dryRun: true },
      { DD_API_KEY: "0123456789abcdef0123456789abcdef" },
    );
    expect(result.error).toBeUndefined();
    expect(result.stdout).toContain("No Datadog keys");
    expect(result.stdout).toContain("POST /api/v1/dashboard");
    expect(result.stdout.match(/POST \/api\/v1\/monitor\n/g)).toHaveLength(3);
    expect(result.stdout + result.stderr).not.toContain("0123456789abcdef0123456789abcdef");
  });
});
