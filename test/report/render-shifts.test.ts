import { describe, expect, it } from "vitest";
import { buildReport } from "../../src/report/build-report.js";
import { renderMarkdown } from "../../src/report/render-markdown.js";
import { renderTable } from "../../src/report/render-table.js";
import { release } from "../verdicts/frozen-runs.js";

// A candidate whose p95 moved 25% halfway through its own runs (a configuration change, not a deploy): the
// terminal table and the Markdown both report the shift, with the release it happened in.
const runs = [
  ...release("3f9e2a1", 0, 10, 100),
  ...release("0b7c4d2", 1000, 10, 100, {}, 3),
  ...release("1.10.0", 2000, 10, 100, {}, 5),
  ...release("1.11.0", 4000, 8, 100, {}, 2),
  ...release("1.11.0", 4240, 8, 125, {}, 4),
];

describe("report renderers: shifts within a release", () => {
  const report = buildReport(runs, 0);

  it("lists the shift in the terminal table", () => {
    const text = renderTable(report, false);
    expect(text).toContain("Shifts within a release (no deploy explains them):");
    expect(text).toMatch(
      /kinto\/stage eu-west-runner-1 1\.11\.0 at \S+: \+2\d\.\d% \(p[=<][^,]+, 8 → 8 runs\)/,
    );
  });

  it("lists the shift in the Markdown", () => {
    const text = renderMarkdown(report);
    expect(text).toContain("**Shifts within a release**");
    expect(text).toMatch(/- kinto\/stage eu-west-runner-1 `1\.11\.0` at \S+: \+2\d\.\d%/);
  });
});
