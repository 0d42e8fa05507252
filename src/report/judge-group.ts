import type { RunRecord } from "../store/run-record.js";
import type { VerdictEngine } from "../verdicts/compare-releases.js";
import { median } from "../verdicts/median.js";
import { type History, releaseHistories } from "../verdicts/release-history.js";
import type { Comparison } from "../verdicts/types.js";
import type { Skipped } from "./report-types.js";

// What `report` makes of one service/env's runs: its comparisons, with --history every release's, and what
// has nothing to compare yet. report judges one service/env at a time, as the store lists them, so that its
// memory holds one service's history, not the fleet's.

export interface GroupReport {
  histories: History[];
  comparisons: Comparison[];
  /** With --history: every release against the one before it, oldest pair first. */
  history?: Comparison[];
  skipped: Skipped[];
}

// What a service with one release has measured so far: the median of its good runs' p50 and p95.
const levels = (runs: readonly RunRecord[]): string => {
  const good = runs.filter((r) => r.state !== "failed");
  const at = (pick: (r: RunRecord) => number | null) => {
    const values = good.map(pick).filter((v): v is number => v !== null);
    return values.length ? `${Math.round(median(values) * 10) / 10} ms` : "n/a";
  };
  if (good.length === 0) return "";
  return `, median p50 ${at((r) => r.client.latency_ms.p50)}, p95 ${at((r) => r.client.latency_ms.p95)}`;
};

/** The report of some runs (one service/env's, or any), histories in key order. */
export const judgeGroup = (
  runs: readonly RunRecord[],
  engine: VerdictEngine,
  withHistory: boolean,
): GroupReport => {
  const histories = releaseHistories(runs);
  const skipped: Skipped[] = histories
    .filter((h) => h.releases.length === 1)
    .map((h) => {
      const only = h.releases[0] as (typeof h.releases)[number];
      const count = only.runs.length;
      return {
        service: h.service,
        env: h.env,
        test: h.test,
        version: only.version,
        runs: count,
        reason: `one release so far (${only.version}, ${count} run${count === 1 ? "" : "s"}${levels(only.runs)}); a verdict needs the next one`,
      };
    });
  const comparisons: Comparison[] = [];
  const history: Comparison[] = [];
  for (const h of histories) {
    const newest = engine.compare(h);
    comparisons.push(...newest);
    if (withHistory) history.push(...engine.compareEvery(h, newest));
  }
  return { histories, comparisons, ...(withHistory ? { history } : {}), skipped };
};
