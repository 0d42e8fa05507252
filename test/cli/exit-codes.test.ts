import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { EXIT, exitCodeForOutcome } from "../../src/cli/exit-codes.js";
import { main } from "../../src/cli/main.js";
import type { Outcome } from "../../src/state/outcome.js";
import { testDeps } from "../support/deps.js";

// What a command's outcome becomes as the process's exit code, at the entry point, and that docs/contract.md's
// table holds exactly the codes the CLI uses (plus 130, the second Ctrl-C, which src/cli.ts exits with itself).

const OUTCOMES: [Outcome, number][] = [
  ["ok", 0],
  ["failure", 1],
  ["regression", 4],
  ["load_test_failed", 5],
  ["undecided", 6],
];

const documentedCodes = (): number[] => {
  const contract = readFileSync(join(import.meta.dirname, "../../docs/contract.md"), "utf8");
  const section = contract.split("## Exit codes")[1]?.split("\n## ")[0] ?? "";
  return [...section.matchAll(/^\| (\d+) \|/gm)].map((m) => Number(m[1]));
};

describe("exit codes", () => {
  it.each(OUTCOMES)("a command's %s outcome exits %i through main()", async (outcome, code) => {
    expect(exitCodeForOutcome(outcome)).toBe(code);
    const deps = testDeps({ cwd: "/nonexistent" });
    expect(await main(["aggregate"], deps, "1.2.3", async () => outcome)).toBe(code);
  });

  it("docs/contract.md lists every exit code the CLI uses, and no other", () => {
    expect(documentedCodes()).toEqual([...new Set([...Object.values(EXIT), 130])].sort((a, b) => a - b));
  });
});
