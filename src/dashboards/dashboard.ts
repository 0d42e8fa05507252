import { ENDPOINT_TAG_KEY } from "../datadog/endpoint-tag.js";
import {
  MANAGED_BY_TAG,
  RELEASE_CHANGE_PCT,
  RELEASE_ENDPOINT_CHANGE_PCT,
  RELEASE_VERDICT,
  RUN_ERROR_RATE,
  RUN_REQUESTS,
  RUN_RPS,
  runLatencyMetric,
  runServerMetric,
} from "./metric-names.js";
import { readingNote } from "./reading-note.js";
import { perRun, RELEASE_EVENTS, RELEASE_GROUP, RUN_GROUP, scope, TEMPLATE_VARIABLES } from "./scopes.js";
import type { DashboardInput, DashboardJson, JsonObject } from "./types.js";
import { group, monitorStatus, note, queryTable, queryValue, timeseries, toplist, when } from "./widgets.js";

/** The text in a dashboard's description that lets `provision` find it again without a stored id. */
export const dashboardMarker = (service?: string): string =>
  service === undefined ? "[dogdriver:trend]" : `[dogdriver:trend:${service}]`;

export const dashboardTitle = (service?: string): string =>
  service === undefined
    ? "dogdriver: release performance trend"
    : `dogdriver: ${service} release performance trend`;

const verdictColours = [
  when(">", 0, "white_on_red"),
  when("<", 0, "white_on_green"),
  when("=", 0, "white_on_gray"),
];

const changeColours = (regressionPct: number) => [
  when(">=", regressionPct, "white_on_red"),
  when("<=", -regressionPct, "white_on_green"),
];

const latencyWidgets = (input: DashboardInput): JsonObject[] => {
  const interval = input.runIntervalSeconds;
  return [
    timeseries({
      title: "Client latency per run: p50, p95, p99 (ms)",
      requests: [
        {
          queries: (["p50", "p95", "p99"] as const).map((p) => ({
            name: p,
            query: perRun(runLatencyMetric(p), interval),
          })),
          formulas: [
            { formula: "p50", alias: "p50" },
            { formula: "p95", alias: "p95" },
            { formula: "p99", alias: "p99" },
          ],
          displayType: "line",
        },
      ],
      events: RELEASE_EVENTS,
      yLabel: "ms",
    }),
    timeseries({
      title: "p95 per run, one colour per release (ms)",
      requests: [
        {
          queries: [{ name: "p95", query: perRun(runLatencyMetric("p95"), interval, RELEASE_GROUP) }],
          formulas: [{ formula: "p95", alias: "p95" }],
          displayType: "bars",
          palette: "dog_classic",
        },
      ],
      events: RELEASE_EVENTS,
      yLabel: "ms",
    }),
  ];
};

const loadWidgets = (input: DashboardInput): JsonObject[] => {
  const interval = input.runIntervalSeconds;
  return [
    timeseries({
      title: "Requests per second per run",
      requests: [
        {
          queries: [{ name: "rps", query: perRun(RUN_RPS, interval) }],
          formulas: [{ formula: "rps", alias: "rps" }],
          displayType: "bars",
          palette: "cool",
        },
      ],
      events: RELEASE_EVENTS,
    }),
    timeseries({
      title: "Load-test error rate per run (%)",
      requests: [
        {
          queries: [{ name: "error_rate", query: perRun(RUN_ERROR_RATE, interval) }],
          // The metric is a fraction (like the run record's client.error_rate); the alert threshold is a percent.
          formulas: [{ formula: "100 * error_rate", alias: "error rate %" }],
          displayType: "bars",
          palette: "warm",
        },
      ],
      markers: [
        {
          value: `y = ${input.alerts.errorRatePct}`,
          displayType: "error dashed",
          label: "error-rate alert",
        },
      ],
      yLabel: "%",
    }),
  ];
};

const serverWidgets = (input: DashboardInput): JsonObject[] =>
  input.serverQueries.length === 0
    ? [note("No server queries are configured (`services[].queries`): nothing to show here.")]
    : input.serverQueries.map((name) =>
        timeseries({
          title: `Server: ${name} per run`,
          requests: [
            {
              queries: [{ name: "value", query: perRun(runServerMetric(name), input.runIntervalSeconds) }],
              formulas: [{ formula: "value", alias: name }],
              displayType: "line",
              palette: "purple",
            },
          ],
          events: RELEASE_EVENTS,
        }),
      );

const releaseWidgets = (input: DashboardInput): JsonObject[] => {
  const metric = input.alerts.regressionMetric;
  const pct = input.alerts.regressionPct;
  // Release metrics are pushed for the current candidate with each aggregated run: per service/env/source the
  // last value is the current verdict; per version, each release's own.
  const verdict = (group: string) => ({
    name: "verdict",
    query: `max:${RELEASE_VERDICT}${scope(metric)} by {${group}}`,
    aggregator: "last" as const,
  });
  const change = (group: string) => ({
    name: "change",
    query: `avg:${RELEASE_CHANGE_PCT}${scope(metric)} by {${group}}`,
    aggregator: "last" as const,
  });
  const verdictFormula = {
    formula: "verdict",
    alias: "verdict (1 slower, -1 faster, 0 same)",
    conditionalFormats: verdictColours,
  };
  return [
    queryValue({
      title: `Worst current verdict on ${metric} (1 slower, -1 faster, 0 same)`,
      queries: [{ name: "verdict", query: `max:${RELEASE_VERDICT}${scope(metric)}`, aggregator: "last" }],
      formulas: [{ formula: "verdict", conditionalFormats: verdictColours }],
    }),
    queryTable({
      title: `Current verdict per service on ${metric}`,
      queries: [verdict(RUN_GROUP), change(RUN_GROUP)],
      formulas: [
        verdictFormula,
        { formula: "change", alias: "change %", conditionalFormats: changeColours(pct) },
      ],
    }),
    queryTable({
      title: "Releases by version",
      queries: [
        // One point per run per series: counting the points counts the runs.
        {
          name: "runs",
          query: `sum:${RUN_REQUESTS}${scope()} by {${RELEASE_GROUP}}.rollup(count)`,
          aggregator: "sum",
        },
        {
          name: "p95",
          query: `avg:${runLatencyMetric("p95")}${scope()} by {${RELEASE_GROUP}}`,
          aggregator: "avg",
        },
        change(RELEASE_GROUP),
        verdict(RELEASE_GROUP),
      ],
      formulas: [
        { formula: "runs", alias: "runs" },
        { formula: "p95", alias: "mean of per-run p95 (ms)" },
        {
          formula: "change",
          alias: `${metric} change vs previous %`,
          conditionalFormats: changeColours(pct),
        },
        verdictFormula,
      ],
    }),
    timeseries({
      title: `Release change on ${metric} vs the previous release (%)`,
      requests: [
        {
          queries: [
            { name: "change", query: `avg:${RELEASE_CHANGE_PCT}${scope(metric)} by {${RELEASE_GROUP}}` },
          ],
          formulas: [{ formula: "change", alias: "change %" }],
          displayType: "bars",
          palette: "orange",
        },
      ],
      events: RELEASE_EVENTS,
      markers: [
        { value: `y = ${pct}`, displayType: "error dashed", label: "regression alert" },
        { value: `y = -${pct}`, displayType: "ok dashed", label: "improvement" },
      ],
      yLabel: "%",
    }),
    monitorStatus("dogdriver monitors", `tag:"${MANAGED_BY_TAG}"`),
  ];
};

/**
 * The endpoints that moved: each endpoint's change on the regression metric in the selected service and release
 * (the last value: the current comparison), largest slowdown first. Endpoint series have names of their own, so
 * the widgets above never mix them in.
 */
const endpointWidgets = (input: DashboardInput): JsonObject[] => {
  const metric = input.alerts.regressionMetric;
  return [
    toplist({
      title: `Endpoints that moved: change on ${metric} vs the previous release (%)`,
      query: {
        name: "change",
        query: `avg:${RELEASE_ENDPOINT_CHANGE_PCT}${scope(metric)} by {${RUN_GROUP},${ENDPOINT_TAG_KEY}}`,
        aggregator: "last",
      },
      formula: {
        formula: "change",
        alias: "change %",
        conditionalFormats: changeColours(input.alerts.regressionPct),
      },
      // The largest of the UI's choices (10, 25, 50, 100): every endpoint of endpoints.max (at most 100).
      rows: 100,
    }),
  ];
};

/** The trend dashboard as Datadog's JSON; the same code makes the fleet view and the per-service variant. */
export const buildDashboard = (input: DashboardInput): DashboardJson => ({
  title: dashboardTitle(input.service),
  description: `Per-run load-test results and release verdicts pushed by dogdriver. Managed by \`dogdriver provision\`: edits made in the UI are overwritten. ${dashboardMarker(input.service)}`,
  layout_type: "ordered",
  reflow_type: "auto",
  template_variables: TEMPLATE_VARIABLES.map((name) => ({
    name,
    prefix: name,
    available_values: [],
    defaults: [name === "service" && input.service !== undefined ? input.service : "*"],
  })),
  widgets: [
    note(readingNote(input)),
    group("Client latency per run", latencyWidgets(input)),
    group("Load and errors per run", loadWidgets(input)),
    group("Server metrics per run", serverWidgets(input)),
    group("Releases and verdicts", releaseWidgets(input)),
    group("Endpoints", endpointWidgets(input)),
  ],
});
