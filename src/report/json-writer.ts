import type { Comparison } from "../verdicts/types.js";
import type { Skipped } from "./report-types.js";

// `report --json`, written as it is judged: docs/contract.md's { "comparisons": [...] } (each entry a superset of
// the contract's fields), with --history every release against the one before it in "history", then "skipped"
// and "runs". One entry a line, compact: a fleet's report holds hundreds of thousands of comparisons (its
// endpoints'), which an indented document would make twice as long and slow to write, and a line per entry is
// what grep and a line-by-line reader want. JSON readers see the same document either way.

export interface JsonReportWriter {
  /** The next comparisons (the newest pair's), in report order. */
  comparisons: (list: readonly Comparison[]) => void;
  /** With --history: held until the end (they follow every comparison). */
  history: (list: readonly Comparison[]) => void;
  /** Writes the rest of the document. */
  finish: (skipped: readonly Skipped[], runs: number) => void;
}

const ENTRY_INDENT = "    ";

const entry = (value: unknown): string => `${ENTRY_INDENT}${JSON.stringify(value)}`;

/** A writer that hands each piece of text to `write` as soon as it is known. */
export const jsonReportWriter = (write: (text: string) => void, withHistory: boolean): JsonReportWriter => {
  let opened = false;
  let count = 0;
  const held: string[] = [];
  const open = () => {
    if (!opened) write('{\n  "comparisons": [');
    opened = true;
  };
  const list = (name: string, entries: readonly string[]) =>
    entries.length === 0 ? `  "${name}": []` : `  "${name}": [\n${entries.join(",\n")}\n  ]`;
  return {
    comparisons: (cs) => {
      open();
      if (cs.length === 0) return;
      write(`${count === 0 ? "\n" : ",\n"}${cs.map(entry).join(",\n")}`);
      count += cs.length;
    },
    history: (cs) => {
      for (const c of cs) held.push(entry(c));
    },
    finish: (skipped, runs) => {
      open();
      write(count === 0 ? "]" : "\n  ]");
      if (withHistory) write(`,\n${list("history", held)}`);
      write(`,\n${list("skipped", skipped.map(entry))},\n  "runs": ${runs}\n}\n`);
    },
  };
};
