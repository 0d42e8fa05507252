import { loadCommandConfig } from "../config/command-config.js";
import { DogdriverError } from "../errors.js";
import type { Deps } from "../state/deps.js";
import type { GlobalOptions } from "../state/global-options.js";
import type { Outcome } from "../state/outcome.js";
import { safeText } from "../text/safe-text.js";
import { readLines } from "./json-lines.js";
import { runKey } from "./keys.js";
import { mapOrdered } from "./map-ordered.js";
import { openStore } from "./open-store.js";
import { recordProblems } from "./record-codec.js";
import type { RunRecord } from "./run-record.js";
import type { PutResult } from "./types.js";

export interface ImportOptions extends GlobalOptions {
  /** A JSON Lines file, or "-" for standard input. */
  file: string;
  skipInvalid?: boolean;
  /** The summary as JSON on stdout. */
  json?: boolean;
}

// Writes in flight at once: enough to hide S3 latency, few enough to stay polite to a file system.
const WRITE_CONCURRENCY = 16;
// A file with thousands of bad lines is the wrong file: the first ones say enough.
const SHOWN_PROBLEMS = 50;

interface ParsedFile {
  /** By key, the last line holding each run (a later line replaces an earlier one). */
  records: Map<string, RunRecord>;
  problems: string[];
  lines: number;
  badLines: number;
  duplicates: number;
}

const parseLines = async (options: ImportOptions, deps: Deps): Promise<ParsedFile> => {
  const parsed: ParsedFile = { records: new Map(), problems: [], lines: 0, badLines: 0, duplicates: 0 };
  for await (const { number, text } of readLines(options.file, deps)) {
    if (text.trim() === "") continue;
    parsed.lines++;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      parsed.problems.push(`line ${number}: not valid JSON (${safeText((error as Error).message, 200)})`);
      parsed.badLines++;
      continue;
    }
    const problems = recordProblems(value);
    if (problems.length === 0) {
      try {
        const key = runKey(value as RunRecord);
        if (parsed.records.delete(key)) parsed.duplicates++;
        parsed.records.set(key, value as RunRecord);
      } catch (error) {
        problems.push((error as Error).message);
      }
    }
    if (problems.length > 0) parsed.badLines++;
    parsed.problems.push(...problems.map((problem) => `line ${number}: ${problem}`));
  }
  return parsed;
};

const shown = (problems: string[]): string[] =>
  problems.length <= SHOWN_PROBLEMS
    ? problems
    : [...problems.slice(0, SHOWN_PROBLEMS), `... and ${problems.length - SHOWN_PROBLEMS} more`];

/** `dogdriver import FILE|-`: validates every line first, then stores each run once (idempotent). */
export const importCommand = async (options: ImportOptions, deps: Deps): Promise<Outcome> => {
  if (options.file === "")
    throw new DogdriverError("usage", "import: name a JSON Lines file, or - for standard input");
  const config = await loadCommandConfig(options, deps);
  const name = options.file === "-" ? "standard input" : options.file;
  const parsed = await parseLines(options, deps);
  const { badLines } = parsed;
  if (badLines > 0 && !options.skipInvalid) {
    throw new DogdriverError(
      "invalid_input",
      `${name}: ${badLines} of ${parsed.lines} lines are not valid run records; nothing imported (--skip-invalid imports the valid ones)`,
      { details: shown(parsed.problems) },
    );
  }
  for (const problem of shown(parsed.problems)) deps.log.warn(`${name}: skipped ${problem}`);

  const store = openStore(config.store, deps);
  const counts: Record<PutResult, number> = { created: 0, unchanged: 0, updated: 0, kept: 0 };
  try {
    const put = async (record: RunRecord) => {
      if (deps.signal.aborted) throw new DogdriverError("interrupted", "import interrupted");
      return store.putRun(record);
    };
    for await (const result of mapOrdered(parsed.records.values(), WRITE_CONCURRENCY, put)) counts[result]++;
  } finally {
    store.close?.();
  }
  if (options.json) {
    deps.stdout.write(
      `${JSON.stringify({
        store: store.url,
        imported: parsed.records.size,
        ...counts,
        invalid_lines: badLines,
        repeated: parsed.duplicates,
      })}\n`,
    );
    return "ok";
  }
  const extras = [
    counts.kept > 0
      ? `${counts.kept} pending runs not imported (the store has them aggregated or failed already)`
      : "",
    badLines > 0 ? `${badLines} invalid lines skipped` : "",
    parsed.duplicates > 0 ? `${parsed.duplicates} repeated runs (the last line of each kept)` : "",
  ].filter(Boolean);
  deps.log.info(
    `imported ${parsed.records.size} runs into ${store.url}: ${counts.created} created, ${counts.unchanged} unchanged, ${counts.updated} updated${extras.length ? `; ${extras.join("; ")}` : ""}`,
  );
  return "ok";
};
