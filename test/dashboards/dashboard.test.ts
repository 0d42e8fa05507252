import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { DEFAULTS } from "../../src/config/load.js";
import { buildDashboard, dashboardMarker } from "../../src/dashboards/dashboard.js";
import { DASHBOARD_FILE, dashboardFileText } from "../../src/dashboards/dashboard-file.js";
import { EXAMPLE_SERVER_QUERIES, exampleDashboardInput } from "../../src/dashboards/dashboard-input.js";
import type { JsonObject } from "../../src/dashboards/types.js";
import { endpointTag } from "../../src/datadog/endpoint-tag.js";
import { startDatadogEmulator } from "../support/datadog-emulator/index.js";
import { widgetProblem } from "../support/datadog-emulator/widget-check.js";
import { roundTrip, unmodelled } from "./model-round-trip.js";
import { checkDashboard, dashboardQueries } from "./query-terms.js";

const checkedIn = async () => readFile(resolve(import.meta.dirname, "../..", DASHBOARD_FILE), "utf8");

describe("dashboards/dogdriver.json", () => {
  it("is what src/dashboards generates (run `npm run gen:dashboard` after changing it)", async () => {
    expect(await checkedIn()).toBe(dashboardFileText());
  });

  it("goes through the official Dashboard model without loss and with every field understood", async () => {
    const json = JSON.parse(await checkedIn());
    const { model, back } = roundTrip(json, "Dashboard");
    expect(unmodelled(model)).toEqual([]);
    expect(back).toEqual(json);
  });

  it("names only dogdriver.* metrics and contract tags in every query", async () => {
    const json = JSON.parse(await checkedIn());
    const kinds = dashboardQueries(json).map((q) => q.kind);
    expect(kinds.filter((k) => k === "metric").length).toBeGreaterThan(10);
    expect(kinds).toContain("event");
    expect(kinds).toContain("monitor_search");
    expect(checkDashboard(json, EXAMPLE_SERVER_QUERIES)).toEqual([]);
  });

  it("has the template variables, the overlays, the markers and the monitor list", async () => {
    const text = await checkedIn();
    const json = JSON.parse(text);
    expect(json.template_variables.map((t: { name: string }) => t.name)).toEqual([
      "service",
      "env",
      "location",
      "version",
    ]);
    // Releases and verdicts only: the runs' start/stop events would draw two markers per run.
    expect(text).toContain('"q": "tags:dogdriver_event:release service:$service.value env:$env.value"');
    expect(text).toContain('"q": "tags:dogdriver_event:verdict service:$service.value env:$env.value"');
    expect(text).not.toMatch(/"q": "tags:dogdriver[ "]/);
    // Datadog reserves `source`: no query groups, filters or selects by it.
    expect(text).not.toMatch(/\$source|\bsource[:,}]|\{source\b/);
    expect(text).toContain(`"value": "y = ${DEFAULTS.alerts.errorRatePct}"`);
    expect(text).toContain(`"value": "y = ${DEFAULTS.alerts.regressionPct}"`);
    expect(text).toContain('"type": "manage_status"');
    expect(text).toContain("dogdriver.run.server.latency_ms");
    expect(text).toContain(".rollup(avg, 1800)");
    expect(json.description).toContain(dashboardMarker());
  });
});

describe("the endpoints widget", () => {
  const widgets = (node: unknown, out: JsonObject[] = []): JsonObject[] => {
    if (Array.isArray(node)) for (const n of node) widgets(n, out);
    else if (node !== null && typeof node === "object") {
      const obj = node as JsonObject;
      if (obj.definition !== undefined) out.push(obj);
      for (const value of Object.values(obj)) widgets(value, out);
    }
    return out;
  };

  it("is a toplist of each endpoint's release change, the emulator's widget check passing", () => {
    const json = buildDashboard(exampleDashboardInput());
    const toplists = widgets(json).filter((w) => (w.definition as JsonObject).type === "toplist");
    expect(toplists).toHaveLength(1);
    const [widget] = toplists;
    expect(widgetProblem(widget, 0, "ordered")).toBeUndefined();
    const queries = dashboardQueries(widget).map((q) => q.text);
    expect(queries).toEqual([
      "avg:dogdriver.release.endpoint.change_pct{metric:client.latency_ms.p95,$service,$env,$location,$version} by {service,env,location,endpoint}",
    ]);
    // No other widget reads an endpoint series or groups by endpoint.
    const others = dashboardQueries(json).filter((q) => q.kind === "metric" && !queries.includes(q.text));
    for (const q of others) expect(q.text).not.toContain("endpoint");
  });

  it("lists the selected release's endpoints, largest slowdown first, from what the emulator holds", async () => {
    const dd = await startDatadogEmulator();
    try {
      const at = Math.floor(Date.now() / 1000) - 60;
      const tags = ["service:kinto", "env:stage", "location:ci", "version:1.2.0", "test:dogdriver"];
      const series = [
        ["POST /api/cart", 48],
        ["GET /items/{id}", -2],
        ["other", 3],
      ].map(([name, value]) => ({
        metric: "dogdriver.release.endpoint.change_pct",
        type: 3,
        tags: [...tags, "metric:client.latency_ms.p95", endpointTag(String(name))],
        points: [{ timestamp: at, value }],
      }));
      // The service's own change on the same metric, which the widget must not show.
      series.push({
        ...series[0],
        metric: "dogdriver.release.change_pct",
        tags: [...tags, "metric:client.latency_ms.p95"],
      } as never);
      const posted = await fetch(`${dd.url}/api/v2/series`, {
        method: "POST",
        headers: { "content-type": "application/json", "dd-api-key": dd.apiKey },
        body: JSON.stringify({ series }),
      });
      expect(posted.status).toBe(202);
      const widget = widgets(buildDashboard(exampleDashboardInput())).find(
        (w) => (w.definition as JsonObject).type === "toplist",
      ) as JsonObject;
      const request = ((widget.definition as JsonObject).requests as JsonObject[])[0] as JsonObject;
      const query = String(((request.queries as JsonObject[])[0] as JsonObject).query)
        .replace("$service", "service:kinto")
        .replace("$env", "env:stage")
        .replace("$location", "location:ci")
        .replace("$version", "version:1.2.0");
      const answer = await fetch(`${dd.url}/api/v2/query/scalar`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "dd-api-key": dd.apiKey,
          "dd-application-key": dd.appKey,
        },
        body: JSON.stringify({
          data: {
            type: "scalar_request",
            attributes: {
              from: (at - 600) * 1000,
              to: (at + 60) * 1000,
              queries: [{ data_source: "metrics", name: "change", query, aggregator: "last" }],
            },
          },
        }),
      });
      const { columns } = ((await answer.json()) as { data: { attributes: { columns: JsonObject[] } } }).data
        .attributes;
      const endpoints = ((columns[0]?.values ?? []) as string[][]).map((row) => row[3]);
      const values = columns[1]?.values as number[];
      const ranked = endpoints.map((e, i) => [e, values[i]]).sort((a, b) => Number(b[1]) - Number(a[1]));
      expect(ranked).toEqual([
        ["post_/api/cart", 48],
        ["other", 3],
        ["get_/items/_id", -2],
      ]);
    } finally {
      await dd.close();
    }
  });
});

describe("the model check", () => {
  it.each([
    [
      "an unknown enum value",
      '"display_type": "bars"',
      '"display_type": "dots"',
      "not understood by the model",
    ],
    [
      "an unknown key",
      '"show_legend": true',
      '"show_legend": true, "legend_colour": "red"',
      "unknown keys legend_colour",
    ],
  ])("catches what a plain round trip lets through: %s", (_what, from, to, problem) => {
    const text = dashboardFileText().replace(from, to);
    const { model, back } = roundTrip(JSON.parse(text), "Dashboard");
    expect(back).toEqual(JSON.parse(text));
    expect(unmodelled(model).join("\n")).toContain(problem);
  });
});

describe("the contract check", () => {
  const base = () => JSON.parse(dashboardFileText());

  it("fails on a made-up metric", () => {
    const text = dashboardFileText().replace("dogdriver.run.rps", "dogdriver.run.throughput");
    expect(checkDashboard(JSON.parse(text), EXAMPLE_SERVER_QUERIES)).toContain(
      "metric dogdriver.run.throughput is not in the contract",
    );
  });

  it("fails on a server metric that is not a configured query", () => {
    expect(checkDashboard(base(), ["latency_ms"]).join("\n")).toContain("dogdriver.run.server.cpu_pct");
  });

  it("fails on a made-up tag, a made-up group and a made-up event tag", () => {
    const text = dashboardFileText()
      .replace("{$service,$env,$location,$version}", "{$service,$env,$location,$version,region:eu}")
      .replace("by {service,env,location}", "by {service,env,host}")
      .replace("tags:dogdriver_event:release service:", "tags:dogdriver_event:release team:perf service:");
    const problems = checkDashboard(JSON.parse(text), EXAMPLE_SERVER_QUERIES);
    expect(problems.some((p) => p.startsWith("tag region"))).toBe(true);
    expect(problems.some((p) => p.startsWith("tag host"))).toBe(true);
    expect(problems).toContain("event term team:perf is not in the contract");
  });

  it("fails on an endpoint: tag outside the endpoint metrics", () => {
    const text = dashboardFileText().replace(
      "avg:dogdriver.run.rps{$service,$env,$location,$version} by {service,env,location}",
      "avg:dogdriver.run.rps{$service,$env,$location,$version} by {service,env,location,endpoint}",
    );
    expect(text).not.toBe(dashboardFileText());
    expect(checkDashboard(JSON.parse(text), EXAMPLE_SERVER_QUERIES)).toContain(
      "tag endpoint on dogdriver.run.rps is not in the contract",
    );
  });

  it("fails on a metric: tag outside the release metrics and on an unknown function", () => {
    const text = dashboardFileText().replace(
      "avg:dogdriver.run.rps{$service",
      "anomalies(avg:dogdriver.run.rps{metric:x,$service",
    );
    const problems = checkDashboard(JSON.parse(text), EXAMPLE_SERVER_QUERIES);
    expect(problems.some((p) => p.startsWith("tag metric on dogdriver.run.rps"))).toBe(true);
    expect(problems.some((p) => p.startsWith('unexpected "anomalies"'))).toBe(true);
  });
});

describe("the per-service variant", () => {
  it("defaults the service variable, carries its own marker and stays a valid Dashboard", () => {
    const input = { ...exampleDashboardInput(), service: "kinto" };
    const json = buildDashboard(input);
    expect(json.title).toContain("kinto");
    expect(json.description).toContain(dashboardMarker("kinto"));
    expect(json.template_variables).toContainEqual(
      expect.objectContaining({ name: "service", defaults: ["kinto"] }),
    );
    const { model, back } = roundTrip(json, "Dashboard");
    expect(unmodelled(model)).toEqual([]);
    expect(back).toEqual(json);
  });

  it("draws one server chart per configured query and a note when there are none", () => {
    const three = buildDashboard({ ...exampleDashboardInput(), serverQueries: ["a", "b_c", "d"] });
    const titles = JSON.stringify(three).match(/Server: [a-z_]+ per run/g);
    expect(titles).toEqual(["Server: a per run", "Server: b_c per run", "Server: d per run"]);
    const none = JSON.stringify(buildDashboard({ ...exampleDashboardInput(), serverQueries: [] }));
    expect(none).not.toContain("dogdriver.run.server.");
    expect(none).toContain("No server queries are configured");
  });
});
