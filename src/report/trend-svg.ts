import { plotFrame } from "./plot-frame.js";
import type { ServiceTrend } from "./report-types.js";

// An inline SVG chart of per-run p95 over time for one service/env: one dot per run (colour = source, hollow =
// left out of comparisons), and a dashed vertical line labelled with the version where each release was first
// seen, over a time axis with dates (UTC). What the Datadog dashboard shows, for readers without Datadog.

const WIDTH = 920;
const HEIGHT = 280;
const MARGIN = { left: 56, right: 16, top: 34, bottom: 44 };
const TIME_TICKS = 5;
const DAY_MS = 86_400_000;

export const escapeXml = (text: string): string =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

const niceStep = (span: number): number => {
  const raw = span / 5;
  const power = 10 ** Math.floor(Math.log10(raw));
  return ([1, 2, 5, 10].find((m) => m * power >= raw) ?? 10) * power;
};

export const trendSvg = (trend: ServiceTrend): string => {
  const points = trend.points;
  if (points.length === 0) return "";
  const { t0, t1, yMax, plotH, x, y, sources, colour } = plotFrame(
    { width: WIDTH, height: HEIGHT, margin: MARGIN },
    points,
    trend.releases,
  );

  const parts: string[] = [];
  const step = niceStep(yMax);
  for (let v = 0; v <= yMax; v += step) {
    parts.push(
      `<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#eee"/>`,
      `<text x="${MARGIN.left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end" font-size="11" fill="#555">${Number(v.toPrecision(6))}</text>`,
    );
  }
  // Dates on the time axis (UTC): the day, and the time of day too when the chart spans under three days.
  if (t1 > t0) {
    const withTime = t1 - t0 < 3 * DAY_MS;
    for (let k = 0; k <= TIME_TICKS; k++) {
      const ms = t0 + ((t1 - t0) * k) / TIME_TICKS;
      const iso = new Date(ms).toISOString();
      const label = withTime ? `${iso.slice(5, 10)} ${iso.slice(11, 16)}` : iso.slice(0, 10);
      const anchor = k === 0 ? "start" : k === TIME_TICKS ? "end" : "middle";
      parts.push(
        `<line x1="${x(ms).toFixed(1)}" x2="${x(ms).toFixed(1)}" y1="${MARGIN.top + plotH}" y2="${MARGIN.top + plotH + 4}" stroke="#999"/>`,
        `<text x="${x(ms).toFixed(1)}" y="${MARGIN.top + plotH + 16}" font-size="11" fill="#555" text-anchor="${anchor}">${label}</text>`,
      );
    }
  }
  for (const r of trend.releases) {
    const rx = x(r.firstSeenMs).toFixed(1);
    parts.push(
      `<line x1="${rx}" x2="${rx}" y1="${MARGIN.top - 4}" y2="${MARGIN.top + plotH}" stroke="#888" stroke-dasharray="4 3"/>`,
      `<text x="${rx}" y="${MARGIN.top - 8}" font-size="11" fill="#333" text-anchor="middle">${escapeXml(r.version.length > 14 ? `${r.version.slice(0, 12)}…` : r.version)}</text>`,
    );
  }
  for (const p of points) {
    const c = colour(p.source);
    const fill = p.excluded ? "none" : c;
    parts.push(
      `<circle cx="${x(p.startedMs).toFixed(1)}" cy="${y(p.value).toFixed(1)}" r="3" fill="${fill}" stroke="${c}"><title>${escapeXml(`${p.version} ${p.source} ${new Date(p.startedMs).toISOString()}: ${p.value.toFixed(1)} ms${p.excluded ? " (left out)" : ""}`)}</title></circle>`,
    );
  }
  const legend = sources
    .map(
      (s, i) =>
        `<circle cx="${MARGIN.left + 8 + i * 150}" cy="${HEIGHT - 8}" r="4" fill="${colour(s)}"/><text x="${MARGIN.left + 16 + i * 150}" y="${HEIGHT - 4}" font-size="11">${escapeXml(s)}</text>`,
    )
    .join("");
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" role="img" aria-label="${escapeXml(`p95 per run, ${trend.service} ${trend.env}`)}">`,
    `<text x="${MARGIN.left}" y="12" font-size="12" fill="#333">p95 latency per run (ms)</text>`,
    ...parts,
    `<line x1="${MARGIN.left}" x2="${MARGIN.left}" y1="${MARGIN.top}" y2="${MARGIN.top + plotH}" stroke="#999"/>`,
    `<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${MARGIN.top + plotH}" y2="${MARGIN.top + plotH}" stroke="#999"/>`,
    legend,
    "</svg>",
  ].join("\n");
};
