import type { RunRecord } from "../store/run-record.js";
import { verdictEngine } from "../verdicts/compare-releases.js";
import type { CompareOptions } from "../verdicts/types.js";
import { jsonReportWriter } from "./json-writer.js";
import { judgeGroup } from "./judge-group.js";
import type { Report } from "./report-types.js";

/** Comparisons of the runs, and the services with nothing to compare yet, all at once (in memory). Pure. */
export const buildReport = (
  runs: readonly RunRecord[],
  invalid: number,
  options: CompareOptions = {},
  withHistory = false,
): Report => {
  const group = judgeGroup(runs, verdictEngine(options), withHistory);
  return {
    comparisons: group.comparisons,
    ...(group.history === undefined ? {} : { history: group.history }),
    skipped: group.skipped,
    runs: runs.length,
    invalid,
  };
};

/** `report --json` of a report built in memory: the same bytes as the command's streamed output. */
export const reportJson = (report: Report): string => {
  const parts: string[] = [];
  const writer = jsonReportWriter((text) => parts.push(text), report.history !== undefined);
  writer.comparisons(report.comparisons);
  writer.history(report.history ?? []);
  writer.finish(report.skipped, report.runs);
  return parts.join("");
};
