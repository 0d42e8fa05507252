import type { DatadogEvent, MetricSeries } from "../datadog/types.js";
import type { Comparison, Verdict } from "./types.js";

// What the aggregator pushes to Datadog for each comparison (CONTRACT.md "Datadog metrics and events"):
// dogdriver.release.change_pct and dogdriver.release.verdict, tagged like every dogdriver series plus metric:.

const VERDICT_VALUE: Record<Verdict, number | undefined> = {
  regression: 1,
  improvement: -1,
  no_change: 0,
  // Not a 0: "we cannot tell yet" must not read as "unchanged" on a monitor or a graph.
  insufficient_data: undefined,
};

/** The tags of a comparison's series: service, env, version (the candidate), source, test, metric. */
export const releaseTags = (c: Comparison): string[] => [
  `service:${c.service}`,
  `env:${c.env}`,
  `version:${c.candidate.version}`,
  `source:${c.source}`,
  `test:${c.test}`,
  `metric:${c.metric}`,
];

/**
 * The dogdriver.release.* series of comparisons, one point each at `timestampMs` (default: the comparison's
 * as_of_ms, the newest candidate run). change_pct is sent whenever it is known; verdict only once decided
 * (regression 1, improvement -1, no_change 0; nothing for insufficient_data).
 */
export const releaseSeries = (comparisons: readonly Comparison[], timestampMs?: number): MetricSeries[] =>
  comparisons.flatMap((c) => {
    const tags = releaseTags(c);
    const at = timestampMs ?? c.as_of_ms;
    const out: MetricSeries[] = [];
    if (c.change_pct !== null)
      out.push({
        metric: "dogdriver.release.change_pct",
        type: "gauge",
        unit: "percent",
        tags,
        points: [{ timestampMs: at, value: c.change_pct }],
      });
    const verdict = VERDICT_VALUE[c.verdict];
    if (verdict !== undefined)
      out.push({
        metric: "dogdriver.release.verdict",
        type: "gauge",
        tags,
        points: [{ timestampMs: at, value: verdict }],
      });
    return out;
  });

/**
 * The identity of a release verdict: one per service/env/source/test/metric and candidate version. Keep the
 * last verdict posted per identity; post a verdict event only when the verdict differs from it.
 */
export const verdictIdentity = (c: Comparison): string =>
  `${c.service}/${c.env}/${c.source}/${c.test}/${c.metric}/${c.candidate.version}`;

/** True when a verdict event is worth posting: the verdict is decided (insufficient_data is not). */
export const isDecided = (c: Comparison): boolean => c.verdict !== "insufficient_data";

const ALERT: Record<Verdict, DatadogEvent["alertType"]> = {
  regression: "error",
  improvement: "success",
  no_change: "info",
  insufficient_data: "info",
};

/** The Datadog event that announces a comparison's verdict (CONTRACT.md: tags dogdriver, service, env, version). */
export const verdictEvent = (c: Comparison): DatadogEvent => {
  const change = c.change_pct === null ? "" : ` ${c.change_pct >= 0 ? "+" : ""}${c.change_pct}%`;
  const interval = c.change_ci_pct === null ? "" : ` (95% CI ${c.change_ci_pct[0]}%..${c.change_ci_pct[1]}%)`;
  return {
    title: `${c.service} ${c.env} ${c.candidate.version}: ${c.metric} ${c.verdict.replace("_", " ")}${change}`,
    text: [
      `${c.metric} at ${c.source}: ${c.baseline.version} (${c.baseline.runs} runs, median ${c.baseline.median}) -> ${c.candidate.version} (${c.candidate.runs} runs, median ${c.candidate.median})${interval}.`,
      `Verdict: ${c.verdict}, p=${c.p_value ?? "n/a"}. ${c.reason}.`,
    ].join("\n"),
    tags: [
      "dogdriver",
      `service:${c.service}`,
      `env:${c.env}`,
      `version:${c.candidate.version}`,
      `source:${c.source}`,
      `metric:${c.metric}`,
    ],
    // Datadog groups events by this key (≤ 100 characters).
    aggregationKey: `dogdriver-verdict-${c.service}-${c.env}-${c.candidate.version}`.slice(0, 100),
    alertType: ALERT[c.verdict],
    timestampMs: c.as_of_ms,
  };
};
