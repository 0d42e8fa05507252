import type { Comparison, Verdict } from "../verdicts/types.js";
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

// The terminal table of `dogdriver report`. Colour as src/state/colour.ts decides (a TTY, NO_COLOR, FORCE_COLOR).

const COLOUR: Record<Verdict, string> = {
  regression: "\u001b[31m",
  improvement: "\u001b[32m",
  no_change: "\u001b[2m",
  insufficient_data: "\u001b[33m",
};
const RESET = "\u001b[0m";

const pad = (text: string, width: number): string => text + " ".repeat(Math.max(0, width - [...text].length));

/** The verdict, coloured; `others`: what othersRegressedIn says of the row. */
const verdictCell = (c: Comparison, colour: boolean, others = ""): { text: string; styled: string } => {
  const verdict = `${verdictArrow(c)} ${VERDICT_LABEL[c.verdict]}${isBorrowed(c) ? ` ${BORROWED_MARK}` : ""}`;
  const styled = colour ? `${COLOUR[c.verdict]}${verdict}${RESET}` : verdict;
  const note = colour && others !== "" ? `${COLOUR.regression}${others}${RESET}` : others;
  return { text: verdict + others, styled: styled + note };
};

/** The report as a plain-text table plus notes. */
export const renderTable = (report: Report, colour: boolean): string => {
  const rows = headline(report.comparisons);
  const lines: string[] = [];
  if (rows.length === 0 && report.skipped.length === 0) {
    return `No runs to compare (${report.runs} run${report.runs === 1 ? "" : "s"} read).\n`;
  }
  if (rows.length > 0) {
    const header = [
      "SERVICE",
      "ENV",
      "SOURCE",
      "BASELINE → CANDIDATE",
      "RUNS",
      "P95 CHANGE [95% CI]",
      "VERDICT",
    ];
    const others = othersRegressedIn(report.comparisons);
    const cells = rows.map((c) => [
      c.service,
      c.env,
      c.source,
      releasePair(c),
      runCounts(c),
      changeWithInterval(c),
      verdictCell(c, colour, others(c)),
    ]);
    const widths = header.map((h, i) =>
      Math.max(
        [...h].length,
        ...cells.map((r) => [...(typeof r[i] === "string" ? r[i] : (r[i] as { text: string }).text)].length),
      ),
    );
    lines.push(
      header
        .map((h, i) => pad(h, widths[i] as number))
        .join("  ")
        .trimEnd(),
    );
    for (const r of cells) {
      const text = r.map((cell, i) => {
        if (typeof cell === "string") return pad(cell, widths[i] as number);
        return cell.styled;
      });
      lines.push(text.join("  ").trimEnd());
    }
    if (rows.some(isBorrowed)) lines.push(BORROWED_NOTE);
    const undecided = rows.filter((c) => c.verdict === "insufficient_data");
    for (const c of undecided)
      lines.push(`  ${c.service}/${c.env} ${c.source}: ${c.reason} (${neededNote(c)})`);
  }
  const history = headline(report.history ?? []);
  if (history.length > 0) {
    lines.push("", "Release history (p95, each release against the one before):");
    for (const c of history)
      lines.push(
        `  ${c.service}/${c.env} ${c.source} ${releasePair(c)} (${c.candidate.first_seen.slice(0, 10)}): ${runCounts(c)} runs, ${changeWithInterval(c)} ${verdictCell(c, colour).styled}`,
      );
  }
  const endpoints = movedEndpoints(report.comparisons);
  if (endpoints.length > 0) {
    lines.push("", "Endpoints that moved (every endpoint's comparisons: --json, --html):");
    for (const c of endpoints)
      lines.push(
        `  ${c.service}/${c.env} ${c.source} ${c.endpoint} ${c.metric}: ${verdictCell(c, colour).styled} ${changeWithInterval(c)} (${pText(c.p_value)})`,
      );
  }
  const others = notable(report.comparisons);
  if (others.length > 0) {
    lines.push("", "Other metrics with a verdict:");
    for (const c of others)
      lines.push(
        `  ${c.service}/${c.env} ${c.source} ${c.metric}: ${verdictCell(c, colour).styled} ${changeWithInterval(c)} (${pText(c.p_value)})`,
      );
  }
  const shifts = shifted(report.comparisons);
  if (shifts.length > 0) {
    lines.push("", "Shifts within a release (no deploy explains them):");
    for (const c of shifts)
      for (const cp of c.change_points)
        lines.push(
          `  ${c.service}/${c.env} ${c.source} ${cp.version} at ${cp.at}: ${shiftText(cp)} (${pText(cp.p_value)}, ${cp.runs_before} → ${cp.runs_after} runs)`,
        );
  }
  const excluded = rows.filter((c) => leftOut(c) !== "");
  if (excluded.length > 0) {
    lines.push("", "Left out of comparisons:");
    for (const c of excluded) lines.push(`  ${c.service}/${c.env} ${c.source}: ${leftOut(c)}`);
  }
  if (report.skipped.length > 0) {
    lines.push("", "Nothing to compare yet:");
    for (const s of report.skipped) lines.push(`  ${s.service}/${s.env}: ${s.reason}`);
  }
  return `${lines.join("\n")}\n`;
};
