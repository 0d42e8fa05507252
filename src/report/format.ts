import type { ChangePoint, Comparison, Verdict } from "../verdicts/types.js";
import { ALL_SOURCES } from "../verdicts/verdict-settings.js";

// Wording and number formats shared by the table, Markdown and HTML renderers.

/** The metric every summary leads with (the issue: "p95 change with interval"). */
export const HEADLINE_METRIC = "client.latency_ms.p95";

export const VERDICT_LABEL: Record<Verdict, string> = {
  regression: "regression",
  improvement: "improvement",
  no_change: "no change",
  insufficient_data: "insufficient data",
};

/** ▲ / ▼ for the direction the metric moved, = for no change, ? when undecided. */
export const verdictArrow = (c: Comparison): string => {
  if (c.verdict === "insufficient_data") return "?";
  if (c.verdict === "no_change" || c.change_pct === null || c.change_pct === 0) return "=";
  return c.change_pct > 0 ? "▲" : "▼";
};

const signed = (v: number, digits = 1): string =>
  `${v > 0 ? "+" : v < 0 ? "−" : "±"}${Math.abs(v).toFixed(digits)}`;

/** "+15.4% [+8.1, +23.0]" or "n/a". */
export const changeWithInterval = (c: Comparison): string => {
  if (c.change_pct === null) return "n/a";
  const ci =
    c.change_ci_pct === null ? "" : ` [${signed(c.change_ci_pct[0])}, ${signed(c.change_ci_pct[1])}]`;
  return `${signed(c.change_pct)}%${ci}`;
};

/** A change point's shift: "+25.0%", or "n/a" when the level it is relative to is 0. */
export const shiftText = (cp: ChangePoint): string =>
  cp.change_pct === null ? "n/a" : `${signed(cp.change_pct)}%`;

/** A source's row that took the all-sources verdict (its own runs cannot decide): marked in every view. */
export const isBorrowed = (c: Comparison): boolean => c.basis === "all_sources" && c.source !== ALL_SOURCES;

/** The mark after a borrowed row's verdict, and the footnote that explains it. */
export const BORROWED_MARK = "*";
export const BORROWED_NOTE =
  "* this source's own runs cannot decide: the verdict of all sources, each compared at its own level (docs/verdicts.md)";

/** "1.1.0 → 1.2.0" */
export const releasePair = (c: Comparison): string => `${c.baseline.version} → ${c.candidate.version}`;

/** "12 → 6" and, when some were left out, "(3 left out)". */
export const runCounts = (c: Comparison): string => {
  const left = [c.baseline, c.candidate].reduce((n, s) => n + s.flagged + s.failed + s.outliers, 0);
  return `${c.baseline.runs} → ${c.candidate.runs}${left > 0 ? ` (${left} left out)` : ""}`;
};

/** What a comparison's runs left out, for footnotes: "2 flagged (1 runner saturated), 1 failed, 1 outlier". */
export const leftOut = (c: Comparison): string => {
  const count = (k: "flagged" | "failed" | "outliers") => c.baseline[k] + c.candidate[k];
  const saturated = (c.baseline.saturated ?? 0) + (c.candidate.saturated ?? 0);
  const flagged =
    saturated === 0
      ? "flagged"
      : saturated === count("flagged")
        ? "flagged (runner saturated)"
        : `flagged (${saturated} runner saturated)`;
  return [
    [count("flagged"), flagged],
    [count("failed"), "failed"],
    [count("outliers"), "outlier"],
  ]
    .filter(([n]) => (n as number) > 0)
    .map(([n, what]) => `${n} ${what}${what === "outlier" && n !== 1 ? "s" : ""}`)
    .join(", ");
};

/** A regression or an improvement. */
export const moved = (c: Comparison): boolean => c.verdict === "regression" || c.verdict === "improvement";

/** The headline comparisons: the service's p95 rows every summary leads with. */
export const headline = (comparisons: readonly Comparison[]): Comparison[] =>
  comparisons.filter((c) => c.metric === HEADLINE_METRIC && c.endpoint === undefined);

/** "p50" for client.latency_ms.p50, "error_rate" for client.error_rate; server metrics keep their prefix. */
export const shortMetric = (metric: string): string => metric.replace(/^client\.(latency_ms\.)?/, "");

const pairKey = (c: Comparison): string =>
  JSON.stringify([c.service, c.env, c.source, c.baseline.version, c.candidate.version]);

/**
 * ", p50, 2 endpoints regressed" after a headline row's verdict that is not a regression when other comparisons of
 * the same release pair regressed: the p95 row alone could read "insufficient data" while `--fail-on regression`
 * exits 4 for p50 or an endpoint (the endpoints are listed under "Endpoints that moved"). The regressions are
 * grouped by release pair once: a fleet's table has thousands of rows.
 */
export const othersRegressedIn = (comparisons: readonly Comparison[]): ((row: Comparison) => string) => {
  const byPair = new Map<string, Comparison[]>();
  for (const c of comparisons) {
    if (c.verdict !== "regression") continue;
    const key = pairKey(c);
    const bucket = byPair.get(key);
    if (bucket === undefined) byPair.set(key, [c]);
    else bucket.push(c);
  }
  return (row) => (row.verdict === "regression" ? "" : othersText(row, byPair.get(pairKey(row)) ?? []));
};

const othersText = (row: Comparison, pairRegressions: readonly Comparison[]): string => {
  const regressed = pairRegressions.filter((c) => c.metric !== row.metric || c.endpoint !== undefined);
  const endpoints = new Set(regressed.flatMap((c) => (c.endpoint === undefined ? [] : [c.endpoint]))).size;
  const names = [
    ...regressed.filter((c) => c.endpoint === undefined).map((c) => shortMetric(c.metric)),
    ...(endpoints === 0 ? [] : [`${endpoints} endpoint${endpoints === 1 ? "" : "s"}`]),
  ];
  return names.length === 0 ? "" : `, ${names.join(", ")} regressed`;
};

/** The service's other metrics whose verdict is decided either way, listed after the headline rows. */
export const notable = (comparisons: readonly Comparison[]): Comparison[] =>
  comparisons.filter((c) => c.metric !== HEADLINE_METRIC && c.endpoint === undefined && moved(c));

/** The endpoints' comparisons that moved (a regression or an improvement): where the service changed. */
export const movedEndpoints = (comparisons: readonly Comparison[]): Comparison[] =>
  comparisons.filter((c) => c.endpoint !== undefined && moved(c));

/** What the table and Markdown print of a comparison: the headline rows, and every decided change. */
export const isShown = (c: Comparison): boolean =>
  (c.metric === HEADLINE_METRIC && c.endpoint === undefined) || moved(c);

/** Headline comparisons with a shift inside a release (change points): the report's "shifts" section. */
export const shifted = (comparisons: readonly Comparison[]): Comparison[] =>
  headline(comparisons).filter((c) => c.change_points.length > 0);

/** A short "needs N more runs" note for undecided comparisons. */
export const neededNote = (c: Comparison): string =>
  c.verdict !== "insufficient_data"
    ? ""
    : c.runs_needed === null
      ? "more baseline runs needed"
      : `~${c.runs_needed} more run${c.runs_needed === 1 ? "" : "s"} needed`;

/** "p=0.003", "p<0.0001", "p=n/a". */
export const pText = (p: number | null): string =>
  p === null ? "p=n/a" : p < 0.0001 ? "p<0.0001" : `p=${p}`;
