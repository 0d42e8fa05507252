// What the report's charts share: a box, the time and value scales of its plot area, and a colour per source.

export interface PlotBox {
  width: number;
  height: number;
  margin: { left: number; right: number; top: number; bottom: number };
}

export interface PlotFrame {
  t0: number;
  t1: number;
  /** The value at the plot's top edge: the 99th percentile's plus 15% (higher runs are drawn on the edge). */
  yMax: number;
  plotH: number;
  x: (ms: number) => number;
  y: (value: number) => number;
  /** The sources in the chart, in the legend's order. */
  sources: string[];
  colour: (source: string) => string;
}

const PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"];

/** The frame of a chart of `points` (at least one) with a line for each release. */
export const plotFrame = (
  box: PlotBox,
  points: readonly { startedMs: number; value: number; source: string }[],
  releases: readonly { firstSeenMs: number }[],
): PlotFrame => {
  const { margin } = box;
  const t0 = Math.min(...points.map((p) => p.startedMs), ...releases.map((r) => r.firstSeenMs));
  const t1 = Math.max(...points.map((p) => p.startedMs));
  const sorted = points.map((p) => p.value).sort((a, b) => a - b);
  // Scale to the 99th percentile: one 3x outlier run should not flatten everything else.
  const yMax = (sorted[Math.floor(0.99 * (sorted.length - 1))] as number) * 1.15 || 1;
  const plotW = box.width - margin.left - margin.right;
  const plotH = box.height - margin.top - margin.bottom;
  const sources = [...new Set(points.map((p) => p.source))].sort();
  return {
    t0,
    t1,
    yMax,
    plotH,
    x: (ms) => margin.left + (t1 === t0 ? plotW / 2 : ((ms - t0) / (t1 - t0)) * plotW),
    y: (v) => margin.top + plotH - (Math.min(v, yMax) / yMax) * plotH,
    sources,
    colour: (source) => PALETTE[sources.indexOf(source) % PALETTE.length] as string,
  };
};
