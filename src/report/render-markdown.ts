import { VERDICT_DEFAULTS } from "../config/defaults.js";
import {
  BORROWED_MARK,
  BORROWED_NOTE,
  changeWithInterval,
  headline,
  isBorrowed,
  leftOut,
  movedEndpoints,
  neededNote,
  notable,
  othersRegressedIn,
  pText,
  releasePair,
  runCounts,
  shifted,
  shiftText,
  VERDICT_LABEL,
  verdictArrow,
} from "./format.js";
import type { Report } from "./report-types.js";

// `report --markdown`: for CI job summaries and pull-request comments (GitHub-flavoured Markdown tables).

export const EMOJI = {
  regression: "🔴",
  improvement: "🟢",
  no_change: "⚪",
  insufficient_data: "🟡",
} as const;

/** A version or name could hold "|" or "`", which would break a table's row. */
export const cell = (text: string): string =>
  text.replace(/\\/g, "\\\\").replace(/\|/g, "\\|").replace(/`/g, "\\`");

export const renderMarkdown = (report: Report): string => {
  const out: string[] = ["## dogdriver release verdicts", ""];
  const rows = headline(report.comparisons);
  const othersOf = othersRegressedIn(report.comparisons);
  if (rows.length === 0) out.push(`No releases to compare (${report.runs} runs read).`, "");
  else {
    out.push(
      "| service | env | source | baseline → candidate | runs | p95 change [95% CI] | verdict |",
      "|---|---|---|---|---|---|---|",
    );
    for (const c of rows)
      out.push(
        `| ${cell(c.service)} | ${cell(c.env)} | ${cell(c.source)} | ${cell(releasePair(c))} | ${runCounts(c)} | ${changeWithInterval(c)} | ${EMOJI[c.verdict]} ${verdictArrow(c)} ${VERDICT_LABEL[c.verdict]}${isBorrowed(c) ? ` ${BORROWED_MARK}` : ""}${c.verdict === "insufficient_data" ? ` (${neededNote(c)})` : ""}${othersOf(c)} |`,
      );
    out.push("");
    if (rows.some(isBorrowed)) out.push(cell(BORROWED_NOTE).replace(/^\*/, "\\*"), "");
  }
  const history = headline(report.history ?? []);
  if (history.length > 0) {
    out.push(
      "**Release history** (p95, each release against the one before)",
      "",
      "| service | env | source | baseline → candidate | first seen | runs | p95 change [95% CI] | verdict |",
      "|---|---|---|---|---|---|---|---|",
    );
    for (const c of history)
      out.push(
        `| ${cell(c.service)} | ${cell(c.env)} | ${cell(c.source)} | ${cell(releasePair(c))} | ${c.candidate.first_seen.slice(0, 10)} | ${runCounts(c)} | ${changeWithInterval(c)} | ${EMOJI[c.verdict]} ${verdictArrow(c)} ${VERDICT_LABEL[c.verdict]}${isBorrowed(c) ? ` ${BORROWED_MARK}` : ""} |`,
      );
    out.push("");
  }
  const endpoints = movedEndpoints(report.comparisons);
  if (endpoints.length > 0) {
    out.push(
      "**Endpoints that moved** (every endpoint's comparisons: `--json`, `--html`)",
      "",
      "| service | env | source | endpoint | metric | change [95% CI] | verdict |",
      "|---|---|---|---|---|---|---|",
    );
    for (const c of endpoints)
      out.push(
        `| ${cell(c.service)} | ${cell(c.env)} | ${cell(c.source)} | ${cell(c.endpoint ?? "")} | ${cell(c.metric)} | ${changeWithInterval(c)} (${pText(c.p_value)}) | ${EMOJI[c.verdict]} ${verdictArrow(c)} ${VERDICT_LABEL[c.verdict]} |`,
      );
    out.push("");
  }
  const others = notable(report.comparisons);
  if (others.length > 0) {
    out.push("**Other metrics with a verdict**", "");
    for (const c of others)
      out.push(
        `- ${EMOJI[c.verdict]} \`${cell(c.metric)}\` ${cell(c.service)}/${cell(c.env)} ${cell(c.source)}: ${VERDICT_LABEL[c.verdict]} ${changeWithInterval(c)} (${pText(c.p_value)})`,
      );
    out.push("");
  }
  const shifts = shifted(report.comparisons);
  if (shifts.length > 0) {
    out.push("**Shifts within a release**", "");
    for (const c of shifts)
      for (const cp of c.change_points)
        out.push(
          `- ${cell(c.service)}/${cell(c.env)} ${cell(c.source)} \`${cell(cp.version)}\` at ${cp.at}: ${shiftText(cp)} (${pText(cp.p_value)})`,
        );
    out.push("");
  }
  const notes = rows
    .filter((c) => leftOut(c) !== "")
    .map((c) => `${c.service}/${c.env} ${c.source}: ${leftOut(c)}`);
  const skipped = report.skipped.map((s) => `${s.service}/${s.env}: ${s.reason}`);
  if (notes.length + skipped.length > 0) {
    out.push("<details><summary>Notes</summary>", "");
    for (const n of [...notes.map((n) => `left out: ${n}`), ...skipped]) out.push(`- ${cell(n)}`);
    out.push("", "</details>", "");
  }
  out.push(
    `<sub>Runs compared through a source + release fit on log values; p < ${VERDICT_DEFAULTS.alpha} and a change of at least ${VERDICT_DEFAULTS.thresholdPct}% make a verdict; "no change" means the 95% interval excludes ±${VERDICT_DEFAULTS.detectPct}%. See docs/verdicts.md.</sub>`,
  );
  return `${out.join("\n")}\n`;
};
