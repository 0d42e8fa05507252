import { changeWithInterval, pText, shortMetric, VERDICT_LABEL } from "../report/format.js";
import { cell, EMOJI } from "../report/render-markdown.js";
import { plural } from "../text/plural.js";
import type { Comparison } from "../verdicts/types.js";
import type { VerifyVerdict } from "./verify-decision.js";
import { VERIFY_ALPHA, type VerifyTarget } from "./verify-judge.js";

// What verify says: a progress line per look on stderr, one line at the end, and --json / --markdown on stdout.

export interface LookSummary {
  /** Runs this verify made so far (0: a look at the stored runs before the first). */
  run: number;
  /** The candidate's runs in the comparison (stored ones included, flagged and outliers left out). */
  candidate_runs: number;
  verdict: VerifyVerdict;
  change_pct: number | null;
  change_ci_pct: [number, number] | null;
  p_value: number | null;
}

export interface VerifyResult {
  service: string;
  env: string;
  source: string;
  baseline_version: string;
  candidate_version: string;
  verdict: VerifyVerdict;
  /** The metric that decided (the headline's while undecided). */
  metric: string | null;
  /** Load tests this verify made. */
  runs: number;
  candidate_runs: number;
  baseline_runs: number;
  change_pct: number | null;
  change_ci_pct: [number, number] | null;
  p_value: number | null;
  reason: string | null;
  looks: LookSummary[];
  /** Each metric's comparison at the last look. */
  comparisons: Comparison[];
}

/** A verify verdict as the report says a comparison's; "undecided" where a comparison would lack data. */
const label = (v: VerifyVerdict): string => (v === "undecided" ? "undecided" : VERDICT_LABEL[v]);

/** "p95 +38.2% [+21.0, +58.1] (p=0.0004)", "p95 insufficient data (reason)", or "no comparable runs yet". */
const evidence = (c: Comparison | undefined): string =>
  c === undefined
    ? "no comparable runs yet"
    : c.change_pct === null
      ? `${shortMetric(c.metric)} ${VERDICT_LABEL[c.verdict]} (${c.reason})`
      : `${shortMetric(c.metric)} ${changeWithInterval(c)} (${pText(c.p_value)})`;

export const lookLine = (
  target: VerifyTarget,
  look: LookSummary,
  maxRuns: number,
  c: Comparison | undefined,
): string =>
  `verify ${target.service}/${target.env} ${target.candidate} against ${target.baseline}: ${
    look.run === 0 ? "stored runs" : `run ${look.run} of at most ${maxRuns}`
  }, ${plural(look.candidate_runs, "candidate run")}: ${evidence(c)}: ${label(look.verdict)}`;

/** The last line on stderr; `interrupted`: Ctrl-C or SIGTERM stopped verify, not its budget. */
export const finalLine = (r: VerifyResult, c: Comparison | undefined, interrupted = false): string => {
  const made = `${plural(r.runs, "run")} made, ${r.candidate_runs} of ${r.candidate_version} compared with ${r.baseline_runs} of ${r.baseline_version}`;
  if (r.verdict === "undecided")
    return `verify ${r.service}/${r.env}: undecided ${interrupted ? "(interrupted)" : "at the budget"} (${made}); ${evidence(c)}: neither a regression nor no change is shown yet`;
  return `verify ${r.service}/${r.env}: ${label(r.verdict)}, ${r.candidate_version} against ${r.baseline_version}: ${evidence(c)} (${made})`;
};

export const resultJson = (r: VerifyResult): string => `${JSON.stringify(r, null, 2)}\n`;

/** Why verify stopped before its budget without a decision (its reason said, but on Ctrl-C or SIGTERM). */
export type Ending = "interrupted" | "failed" | "version_changed";

const ENDING: Record<Ending, string> = {
  interrupted: "interrupted",
  failed: "load test failed",
  version_changed: "deployed version changed",
};

const table = (comparisons: readonly Comparison[]): string[] =>
  comparisons.length === 0
    ? []
    : [
        "| metric | change [anytime-valid CI] | p | verdict |",
        "|---|---|---|---|",
        ...comparisons.map(
          (c) =>
            `| ${cell(c.metric)} | ${changeWithInterval(c)} | ${pText(c.p_value)} | ${VERDICT_LABEL[c.verdict]} |`,
        ),
        "",
      ];

/** For a CI job summary: the verdict, then each metric's comparison at the last look (when there was one). */
export const resultMarkdown = (r: VerifyResult, ending?: Ending): string =>
  [
    `## dogdriver verify: ${cell(`${r.service}/${r.env}`)} ${cell(r.candidate_version)} against ${cell(r.baseline_version)}`,
    "",
    ...(ending === undefined || ending === "interrupted"
      ? []
      : [`❌ **${cell(r.reason ?? ENDING[ending])}**`, ""]),
    `${EMOJI[r.verdict === "undecided" ? "insufficient_data" : r.verdict]} **${label(r.verdict)}**${ending === undefined ? "" : ` (${ENDING[ending]})`} after ${plural(r.runs, "load test")} (${plural(r.candidate_runs, "candidate run")} compared with ${plural(r.baseline_runs, "baseline run")}, from ${cell(r.source)})`,
    "",
    ...table(r.comparisons),
    `<sub>Each look is judged by an anytime-valid test: stopping at the first run count that answers keeps the chance of a false regression or improvement, over every look, at most ${100 * VERIFY_ALPHA}% (0.23% measured). See dogdriver's docs/verify.md.</sub>`,
    "",
  ].join("\n");
