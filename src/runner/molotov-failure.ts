import { formatDuration } from "../config/duration.js";
import type { ClientStats } from "./client-stats.js";
import type { MolotovExit } from "./molotov-process.js";
import type { MolotovCounters, ScenarioSteps, TestPlan } from "./types.js";

// Turns how molotov ended into the reason a run failed, or undefined for a usable run. Molotov's exit status
// says little (a finished run exits 1, docs/runner.md), so this reads its counters, its console and what
// the extension captured.

const lines = (text: string) =>
  text
    .split(/[\r\n]+/)
    .map((l) => l.trim())
    .filter((l) => l !== "");

/** The exception line of the last Python traceback in `text` ("SyntaxError: invalid syntax"), with its place. */
const lastTraceback = (text: string): string | undefined => {
  const all = lines(text);
  const start = all.findLastIndex((l) => l.startsWith("Traceback (most recent call last)"));
  if (start < 0) return undefined;
  const block = all.slice(start);
  const exception = block.findLast((l) => /^[A-Za-z_][\w.]*(Error|Exception|Exit|Interrupt)\b/.test(l));
  const place = block.findLast(
    (l) =>
      /^File "[^"]+", line \d+/.test(l) &&
      !l.includes("site-packages") &&
      !l.includes("dist-packages") &&
      !l.includes("<frozen") &&
      !l.includes('"<string>"'),
  );
  const where = place?.match(/^File "([^"]+)", line (\d+)/);
  return `${exception ?? block.at(-1)}${where ? ` (${where[1]?.split("/").pop()}, line ${where[2]})` : ""}`;
};

export interface FailureInput {
  exit: MolotovExit;
  counters?: MolotovCounters;
  stats: ClientStats;
  plan: TestPlan;
  /** From molotov's start to its exit. */
  elapsedMs: number;
  steps: ScenarioSteps;
}

/** molotov's -d is checked between scenario runs with whole seconds, after its start-up: a full run lasts d..d+1 s. */
const EARLY_MARGIN_MS = 500;

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** "AssertionError: 503" (the first failure's message), for reasons about failed scenario runs. */
const firstFailure = (stats: ClientStats) =>
  stats.failureMessages[0] ? `: ${stats.failureMessages[0]}` : "";

/** Why this run cannot be recorded as a good one, or undefined when it can. */
export const failureReason = ({
  exit,
  counters,
  stats,
  plan,
  elapsedMs,
  steps,
}: FailureInput): string | undefined => {
  if (exit.spawnError !== undefined) return `molotov could not be started: ${exit.spawnError}`;
  if (exit.stopped?.kind === "timeout") {
    return `molotov did not finish within ${formatDuration(exit.stopped.afterMs)} (test.timeout) and was killed`;
  }
  if (exit.stopped?.kind === "interrupted") return `${exit.stopped.message}: molotov was stopped`;
  const out = lines(exit.stdout);
  if (counters === undefined) {
    const cannotImport = out.findIndex((l) => l.startsWith("Cannot import "));
    if (cannotImport >= 0) {
      // molotov prints the exception's repr on the next line, then the frames.
      const why = out[cannotImport + 1] ?? "import failed";
      return `molotov could not import the scenario "${plan.scenario}" in ${plan.dir}: ${why}`;
    }
    if (out.some((l) => l.startsWith("You need at least one scenario"))) {
      return `${plan.scenario} defines no @molotov.scenario (molotov: "You need at least one scenario. No scenario was found.")`;
    }
    const traceback = lastTraceback(exit.stderr);
    // The extension is loaded before the scenario: its failure is dogdriver's (or molotov's version), not the test's.
    if (traceback?.includes("(dogdriver_ext.py, line "))
      return `dogdriver's Molotov extension could not load: ${traceback}`;
    if (traceback) return `molotov could not load the scenario ${plan.scenario}: ${traceback}`;
    if (exit.exitCode === 2) {
      return `molotov rejected the options from ${plan.origin}: ${lines(exit.stderr).at(-1) ?? "usage error"}`;
    }
    const last = lines(exit.stderr).at(-1) ?? out.at(-1) ?? "no output";
    return `molotov exited (${exit.signal ?? `code ${exit.exitCode}`}) without finishing the test: ${last}`;
  }
  if (counters.SETUP_FAILED > 0 || counters.SESSION_SETUP_FAILED > 0) {
    const why = lastTraceback(exit.stdout);
    return `the scenario's setup failed, molotov ran no test${why ? `: ${why}` : ""}`;
  }
  const failed = Math.max(steps.failed, stats.failures, counters.FAILED);
  if (plan.flags.includes("-x") && failed > 0) {
    return `molotov stopped at a failed scenario run (molotov.json "exception": true) after ${seconds(elapsedMs)}${plan.durationMs === undefined ? "" : ` of a ${seconds(plan.durationMs)} test`}${firstFailure(stats)}`;
  }
  if (plan.durationMs !== undefined && elapsedMs < plan.durationMs - EARLY_MARGIN_MS) {
    return `molotov ended after ${seconds(elapsedMs)} of a ${seconds(plan.durationMs)} test (scenario runs: ${counters.OK} ok, ${counters.FAILED} failed)${firstFailure(stats)}`;
  }
  if (stats.requests === 0) {
    return `the test made no HTTP request through aiohttp (molotov's session or one of its own) (scenario runs: ${counters.OK} ok, ${counters.FAILED} failed)`;
  }
  if (stats.errors === stats.requests) {
    return `every one of the ${stats.requests} requests failed: ${stats.topErrors()}`;
  }
  if (plan.failThreshold !== undefined && counters.FAILED >= plan.failThreshold) {
    return `${counters.FAILED} scenario runs failed, at or above molotov.json "fail": ${plan.failThreshold}`;
  }
  return undefined;
};
