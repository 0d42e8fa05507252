import type { RunRecord } from "../store/run-record.js";
import { compareEveryRelease, compareHistories } from "../verdicts/compare-releases.js";
import { median } from "../verdicts/median.js";
import { releaseHistories } from "../verdicts/release-history.js";
import type { CompareOptions } from "../verdicts/types.js";
import type { Report, Skipped } from "./report-types.js";

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

/** Comparisons of the runs, and the services with nothing to compare yet. Pure. */
export const buildReport = (
  runs: readonly RunRecord[],
  invalid: number,
  options: CompareOptions = {},
  withHistory = false,
): Report => {
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
  return {
    comparisons: compareHistories(histories, options),
    ...(withHistory ? { history: compareEveryRelease(histories, options) } : {}),
    skipped,
    runs: runs.length,
    invalid,
  };
};

/**
 * `report --json`: docs/contract.md's { comparisons: [...] } (each entry a superset of the contract's fields),
 * and with --history every release against the one before it in `history`.
 */
export const reportJson = (report: Report): string =>
  `${JSON.stringify(
    {
      comparisons: report.comparisons,
      ...(report.history === undefined ? {} : { history: report.history }),
      skipped: report.skipped,
      runs: report.runs,
    },
    null,
    2,
  )}\n`;
