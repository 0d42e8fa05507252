import type { RunRecord } from "../store/run-record.js";
import { compareReleases } from "../verdicts/compare-releases.js";
import { releaseHistories } from "../verdicts/release-history.js";
import type { CompareOptions } from "../verdicts/types.js";
import type { Report, Skipped } from "./report-types.js";

/** Comparisons of the runs, and the services with nothing to compare yet. Pure. */
export const buildReport = (
  runs: readonly RunRecord[],
  invalid: number,
  options: CompareOptions = {},
): Report => {
  const skipped: Skipped[] = releaseHistories(runs)
    .filter((h) => h.releases.length === 1)
    .map((h) => {
      const only = h.releases[0] as (typeof h.releases)[number];
      return {
        service: h.service,
        env: h.env,
        test: h.test,
        version: only.version,
        runs: only.runs.length,
        reason: `one release so far (${only.version}, ${only.runs.length} run${only.runs.length === 1 ? "" : "s"}); a verdict needs the next one`,
      };
    });
  return { comparisons: compareReleases(runs, options), skipped, runs: runs.length, invalid };
};

/** `report --json`: CONTRACT.md's { comparisons: [...] } (each entry a superset of the contract's fields). */
export const reportJson = (report: Report): string =>
  `${JSON.stringify({ comparisons: report.comparisons, skipped: report.skipped, runs: report.runs }, null, 2)}\n`;
