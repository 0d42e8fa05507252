import { metricValue } from "../verdicts/metric-values.js";
import { type History, isUsable, startedMsOf } from "../verdicts/release-history.js";
import type { Comparison } from "../verdicts/types.js";
import { endpointTrendSvg } from "./endpoint-trend-svg.js";
import {
  BORROWED_MARK,
  changeWithInterval,
  HEADLINE_METRIC,
  isBorrowed,
  pText,
  releasePair,
  runCounts,
  VERDICT_LABEL,
  verdictArrow,
} from "./format.js";
import type { ServiceTrend } from "./report-types.js";
import { escapeXml, trendSvg } from "./trend-svg.js";

// `report --html FILE`: a self-contained page (no script, no external asset) with, per service/env, the trend
// chart and the verdict rows, so a docs page or a CI artifact shows what the dashboard shows.

/** Releases drawn per chart: older ones make the labels unreadable and are not compared anyway. */
const CHART_RELEASES = 10;

const COLOUR = {
  regression: "#c62828",
  improvement: "#2e7d32",
  no_change: "#666",
  insufficient_data: "#b26a00",
} as const;

/** Per history: p95 of every run of the newest releases, and of each endpoint; where each release started. */
export const trendsOf = (histories: readonly History[]): ServiceTrend[] =>
  histories.map((h) => {
    const releases = h.releases.slice(-CHART_RELEASES);
    return {
      service: h.service,
      env: h.env,
      releases: releases.map((r) => ({ version: r.version, firstSeenMs: r.firstSeenMs })),
      endpoints: endpointTrends(releases),
      points: releases.flatMap((r) =>
        r.runs.flatMap((run) => {
          const value = metricValue(run, HEADLINE_METRIC);
          return value === undefined
            ? []
            : [
                {
                  startedMs: startedMsOf(run),
                  value,
                  version: r.version,
                  source: run.source,
                  excluded: !isUsable(run),
                },
              ];
        }),
      ),
    };
  });

/** Each endpoint's p95 per run, the endpoints with most requests first. */
const endpointTrends = (releases: History["releases"]): ServiceTrend["endpoints"] => {
  const byName = new Map<string, { requests: number; points: ServiceTrend["points"] }>();
  for (const r of releases)
    for (const run of r.runs)
      for (const e of run.client.endpoints ?? []) {
        if (e.other === true || e.latency_ms.p95 === null) continue;
        let trend = byName.get(e.name);
        if (trend === undefined) {
          trend = { requests: 0, points: [] };
          byName.set(e.name, trend);
        }
        trend.requests += e.requests;
        trend.points.push({
          startedMs: startedMsOf(run),
          value: e.latency_ms.p95,
          version: r.version,
          source: run.source,
          excluded: !isUsable(run),
        });
      }
  return [...byName]
    .sort(([a, x], [b, y]) => y.requests - x.requests || (a < b ? -1 : 1))
    .map(([name, t]) => ({ name, points: t.points }));
};

const verdictCell = (c: Comparison): string =>
  `${verdictArrow(c)} ${VERDICT_LABEL[c.verdict]}${isBorrowed(c) ? ` ${BORROWED_MARK}` : ""}`;

/** One service/env's section: its trend chart, its p95 rows, every other metric's and, with --history, each release's. */
export const htmlSection = (
  t: ServiceTrend,
  own: readonly Comparison[],
  history: readonly Comparison[] = [],
): string => {
  const service = own.filter((c) => c.endpoint === undefined);
  const rows = service.filter((c) => c.metric === HEADLINE_METRIC);
  const table =
    rows.length === 0
      ? "<p>Only one release so far: nothing to compare yet.</p>"
      : `<table><thead><tr><th>source</th><th>baseline → candidate</th><th>runs</th><th>p95 change [95% CI]</th><th>verdict</th><th>why</th></tr></thead><tbody>${rows
          .map(
            (c) =>
              `<tr><td>${escapeXml(c.source)}</td><td>${escapeXml(releasePair(c))}</td><td>${escapeXml(runCounts(c))}</td><td>${escapeXml(changeWithInterval(c))}</td><td style="color:${COLOUR[c.verdict]};font-weight:600">${verdictCell(c)}</td><td>${escapeXml(c.reason)}</td></tr>`,
          )
          .join("")}</tbody></table>`;
  // Beside p95, every other metric's verdict for the same releases (one row per metric and source).
  const others = service.filter((c) => c.metric !== HEADLINE_METRIC);
  const otherTable =
    others.length === 0
      ? ""
      : `\n<table><thead><tr><th>metric</th><th>source</th><th>change [95% CI]</th><th>verdict</th></tr></thead><tbody>${others
          .map(
            (c) =>
              `<tr><td>${escapeXml(c.metric)}</td><td>${escapeXml(c.source)}</td><td>${escapeXml(`${changeWithInterval(c)} (${pText(c.p_value)})`)}</td><td style="color:${COLOUR[c.verdict]}">${verdictCell(c)}</td></tr>`,
          )
          .join("")}</tbody></table>`;
  const headlineHistory = history.filter((c) => c.metric === HEADLINE_METRIC && c.endpoint === undefined);
  const historyTable =
    headlineHistory.length === 0
      ? ""
      : `\n<h3>Release history (p95, each release against the one before)</h3><table><thead><tr><th>source</th><th>baseline → candidate</th><th>first seen</th><th>runs</th><th>p95 change [95% CI]</th><th>verdict</th></tr></thead><tbody>${headlineHistory
          .map(
            (c) =>
              `<tr><td>${escapeXml(c.source)}</td><td>${escapeXml(releasePair(c))}</td><td>${c.candidate.first_seen.slice(0, 10)}</td><td>${escapeXml(runCounts(c))}</td><td>${escapeXml(changeWithInterval(c))}</td><td style="color:${COLOUR[c.verdict]}">${verdictCell(c)}</td></tr>`,
          )
          .join("")}</tbody></table>`;
  return `<section><h2>${escapeXml(`${t.service} · ${t.env}`)}</h2>\n${trendSvg(t)}\n${table}${otherTable}${historyTable}${endpointsBlock(t, own)}</section>\n`;
};

/** Per endpoint: its p95 chart beside every one of its comparisons. */
const endpointsBlock = (t: ServiceTrend, own: readonly Comparison[]): string => {
  if (t.endpoints.length === 0) return "";
  const cards = t.endpoints.map((e) => {
    const rows = own.filter((c) => c.endpoint === e.name);
    const table =
      rows.length === 0
        ? ""
        : `<table><tbody>${rows
            .map(
              (c) =>
                `<tr><td>${escapeXml(c.metric)}</td><td>${escapeXml(c.source)}</td><td>${escapeXml(`${changeWithInterval(c)} (${pText(c.p_value)})`)}</td><td style="color:${COLOUR[c.verdict]}">${verdictCell(c)}</td></tr>`,
            )
            .join("")}</tbody></table>`;
    return `<div class="endpoint">${endpointTrendSvg(e, t.releases)}${table}</div>`;
  });
  return `\n<h3>Endpoints</h3>\n<div class="endpoints">${cards.join("\n")}</div>`;
};

/** The page's start, before the first section. */
export const htmlHead = (generatedAt: string): string => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>dogdriver release verdicts</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem;color:#222;max-width:960px}
table{border-collapse:collapse;margin:.5rem 0 2rem;font-size:.9rem}
th,td{border-bottom:1px solid #ddd;padding:.3rem .6rem;text-align:left;vertical-align:top}
svg{max-width:100%;height:auto}
.endpoints{display:flex;flex-wrap:wrap;gap:1rem}
.endpoint{flex:1 1 440px}
.endpoint table{margin:.2rem 0 1rem;font-size:.8rem}
</style></head><body>
<h1>dogdriver release verdicts</h1>
<p>Generated ${escapeXml(generatedAt)}. Hollow dots are runs left out of comparisons (flagged or failed); dashed lines mark where each version was first seen.</p>
`;

/** The page's end, after the last section. */
export const htmlFoot = (runs: number): string => `<p>${runs} runs read.</p>
</body></html>
`;
