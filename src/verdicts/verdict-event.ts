import { eventTags } from "../datadog/tag-names.js";
import type { DatadogEvent } from "../datadog/types.js";
import type { ReleaseVerdict } from "./release-series.js";
import { round } from "./rounding.js";
import type { Comparison } from "./types.js";

// The Datadog event that announces a release's verdict (docs/contract.md: tags dogdriver, service, env, version; plus
// dogdriver_event:verdict and baseline_version). Its text is read by people in the event stream and in monitor
// notifications: rounded figures with their units, the interval, the runs on each side and a link to the trend.

const ALERT: Record<ReleaseVerdict["verdict"], DatadogEvent["alertType"]> = {
  regression: "error",
  improvement: "success",
  no_change: "info",
};

const signed = (n: number) => `${n >= 0 ? "+" : ""}${round(n, 1)}%`;

/** A metric's value as a person reads it: "25.8 ms", "0.15%", "20.5 rps", "41.2 %". */
export const valueWithUnit = (metric: string, value: number | null): string => {
  if (value === null) return "n/a";
  // The run record keeps the error rate as a fraction; people read it in percent.
  if (metric === "client.error_rate") return `${round(value * 100, 2)}%`;
  if (metric === "client.rps") return `${round(value, 1)} rps`;
  const unit = /_ms$|\.latency_ms\./.test(metric) ? " ms" : /_pct$/.test(metric) ? " %" : "";
  return `${Math.abs(value) >= 100 ? round(value, 0) : Number(value.toPrecision(3))}${unit}`;
};

/** "POST /api/cart +50%, GET /items/{id} -12%, 11 other endpoints unchanged": where the release moved. */
const whereMoved = (r: ReleaseVerdict): string => {
  const moved = new Map<string, Comparison>();
  for (const c of r.comparisons) {
    if (c.endpoint === undefined || (c.verdict !== "regression" && c.verdict !== "improvement")) continue;
    const known = moved.get(c.endpoint);
    // Per endpoint the change people read first: its p95's, else the first metric that moved.
    if (known === undefined || (c.metric === "client.latency_ms.p95" && known.metric !== c.metric))
      moved.set(c.endpoint, c);
  }
  if (moved.size === 0) return "";
  const shown = [...moved.values()]
    .slice(0, 3)
    .map((c) => `${c.endpoint} ${c.change_pct === null ? c.metric : signed(c.change_pct)}`);
  const more = moved.size > 3 ? [`${moved.size - 3} more moved`] : [];
  const unchanged = r.unchangedEndpoints;
  const undecided = r.endpoints - moved.size - unchanged;
  return [
    ...shown,
    ...more,
    ...(unchanged > 0 ? [`${unchanged} other endpoint${unchanged === 1 ? "" : "s"} unchanged`] : []),
    ...(undecided > 0
      ? [`${undecided}${unchanged > 0 ? "" : ` other endpoint${undecided === 1 ? "" : "s"}`} undecided`]
      : []),
  ].join(", ");
};

const metricLine = (c: Comparison, label = "95% CI"): string => {
  const change = c.change_pct === null ? "" : ` ${signed(c.change_pct)}`;
  const interval =
    c.change_ci_pct === null
      ? ""
      : ` (${label} ${signed(c.change_ci_pct[0])} to ${signed(c.change_ci_pct[1])})`;
  const medians = `median ${valueWithUnit(c.metric, c.baseline.median)} -> ${valueWithUnit(c.metric, c.candidate.median)}`;
  const p = c.p_value === null ? "" : `, p=${c.p_value}`;
  return `- ${c.endpoint === undefined ? "" : `${c.endpoint} `}${c.metric}: ${c.verdict.replace("_", " ")}${change}${interval}, ${medians}, runs ${c.baseline.runs} -> ${c.candidate.runs}${p}`;
};

/** The fleet dashboard with its template variables set to this release's service and env. */
const filteredLink = (dashboardUrl: string, r: ReleaseVerdict): string =>
  `${dashboardUrl}?tpl_var_service=${encodeURIComponent(r.service)}&tpl_var_env=${encodeURIComponent(r.env)}`;

/** The verdict event; `dashboardUrl` (the provisioned fleet dashboard, when known) adds a link to the trend. */
export const verdictEvent = (r: ReleaseVerdict, links: { dashboardUrl?: string } = {}): DatadogEvent => {
  const service = r.comparisons.filter((c) => c.endpoint === undefined);
  const headline =
    service.find((c) => c.verdict === r.verdict && c.metric === "client.latency_ms.p95") ??
    service.find((c) => c.verdict === r.verdict);
  const where = whereMoved(r);
  const parts = [
    ...(headline?.change_pct == null ? [] : [`${headline.metric} ${signed(headline.change_pct)}`]),
    ...(where === "" ? [] : [where]),
  ];
  const change = parts.length === 0 ? "" : ` (${parts.join("; ")})`;
  return {
    title: `${r.service} ${r.env} ${r.candidate}: ${r.verdict.replace("_", " ")} against ${r.baseline}${change}`,
    text: [
      `dogdriver verdict for ${r.service} ${r.env}, ${r.baseline} -> ${r.candidate}:`,
      ...r.comparisons.map((c) => metricLine(c, r.intervalLabel)),
      ...(links.dashboardUrl === undefined ? [] : ["", `Trend: ${filteredLink(links.dashboardUrl, r)}`]),
    ].join("\n"),
    tags: eventTags("verdict", [
      `service:${r.service}`,
      `env:${r.env}`,
      `version:${r.candidate}`,
      `baseline_version:${r.baseline}`,
      `test:${r.test}`,
    ]),
    // Datadog groups events by this key (≤ 100 characters).
    aggregationKey: `dogdriver-verdict-${r.service}-${r.env}-${r.candidate}`.slice(0, 100),
    alertType: ALERT[r.verdict],
    timestampMs: r.as_of_ms,
  };
};
