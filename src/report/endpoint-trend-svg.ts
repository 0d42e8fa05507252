import { plotFrame } from "./plot-frame.js";
import type { ServiceTrend } from "./report-types.js";
import { escapeXml } from "./trend-svg.js";

// A small chart of one endpoint's p95 per run, beside the service's: a dot per run (colour = source, hollow = left
// out), a dashed line where each release was first seen, the scale's top on the left. Small on purpose: a
// service has up to 20 endpoints, and a fleet's page thousands of services.

const WIDTH = 440;
const HEIGHT = 120;
const MARGIN = { left: 44, right: 8, top: 22, bottom: 10 };

export const endpointTrendSvg = (
  endpoint: ServiceTrend["endpoints"][number],
  releases: ServiceTrend["releases"],
): string => {
  const points = endpoint.points;
  if (points.length === 0) return "";
  const { yMax, plotH, x, y, colour } = plotFrame(
    { width: WIDTH, height: HEIGHT, margin: MARGIN },
    points,
    releases,
  );
  const parts = [
    `<text x="${MARGIN.left}" y="14" font-size="12" fill="#333">${escapeXml(endpoint.name)}: p95 per run (ms)</text>`,
    `<text x="${MARGIN.left - 4}" y="${MARGIN.top + 8}" font-size="10" text-anchor="end" fill="#555">${Number(yMax.toPrecision(3))}</text>`,
    `<text x="${MARGIN.left - 4}" y="${MARGIN.top + plotH}" font-size="10" text-anchor="end" fill="#555">0</text>`,
    `<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${MARGIN.top + plotH}" y2="${MARGIN.top + plotH}" stroke="#999"/>`,
    ...releases.map(
      (r) =>
        `<line x1="${x(r.firstSeenMs).toFixed(1)}" x2="${x(r.firstSeenMs).toFixed(1)}" y1="${MARGIN.top}" y2="${MARGIN.top + plotH}" stroke="#aaa" stroke-dasharray="3 3"><title>${escapeXml(r.version)}</title></line>`,
    ),
    ...points.map((p) => {
      const c = colour(p.source);
      return `<circle cx="${x(p.startedMs).toFixed(1)}" cy="${y(p.value).toFixed(1)}" r="2.5" fill="${p.excluded ? "none" : c}" stroke="${c}"><title>${escapeXml(`${p.version} ${p.source}: ${p.value.toFixed(1)} ms`)}</title></circle>`;
    }),
  ];
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" role="img" aria-label="${escapeXml(`p95 per run, ${endpoint.name}`)}">\n${parts.join("\n")}\n</svg>`;
};
