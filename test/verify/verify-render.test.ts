import { describe, expect, it } from "vitest";
import { finalLine, resultMarkdown, type VerifyResult } from "../../src/verify/verify-render.js";

// What verify prints at the end, on a frozen result: a CI job summary is read by people who do not know the method.

const result = (over: Partial<VerifyResult> = {}): VerifyResult => ({
  service: "shop",
  env: "stage",
  source: "ci",
  baseline_version: "1.0.0",
  candidate_version: "1.1.0",
  verdict: "undecided",
  metric: "client.latency_ms.p95",
  runs: 1,
  candidate_runs: 1,
  baseline_runs: 1,
  change_pct: null,
  change_ci_pct: null,
  p_value: null,
  reason: null,
  looks: [],
  comparisons: [],
  ...over,
});

describe("verify's Markdown summary", () => {
  it("counts in the singular and the plural", () => {
    expect(resultMarkdown(result())).toContain(
      "after 1 load test (1 candidate run compared with 1 baseline run, from ci)",
    );
    expect(resultMarkdown(result({ runs: 3, candidate_runs: 3, baseline_runs: 6 }))).toContain(
      "after 3 load tests (3 candidate runs compared with 6 baseline runs, from ci)",
    );
  });

  it("states the bound docs/verify.md states: at most 3% over every look, not 1%", () => {
    const text = resultMarkdown(result());
    expect(text).toContain("at most 3% (0.23% measured)");
    expect(text).not.toContain("under 1%");
  });

  it("says a verify stopped by Ctrl-C was interrupted, not that it reached its budget", () => {
    expect(resultMarkdown(result(), "interrupted")).toContain(
      "🟡 **undecided** (interrupted) after 1 load test",
    );
    expect(finalLine(result(), undefined, true)).toMatch(
      /^verify shop\/stage: undecided \(interrupted\) \(1 run made/,
    );
    expect(finalLine(result(), undefined)).toMatch(
      /^verify shop\/stage: undecided at the budget \(1 run made/,
    );
  });

  it("puts a failed load test's reason in the job summary, first", () => {
    const text = resultMarkdown(
      result({ reason: "the load test failed: molotov ended after 0.9 s of a 2.0 s test" }),
      "failed",
    );
    expect(text).toContain("❌ **the load test failed: molotov ended after 0.9 s of a 2.0 s test**");
    expect(text).toContain("🟡 **undecided** (load test failed) after 1 load test");
  });

  it("says a deploy during verify stopped it, and prints no empty table when no look was made", () => {
    const reason = "the deployed version changed from 1.1.0 to 1.2.0 during verify; verify the new one";
    const text = resultMarkdown(result({ reason, comparisons: [], looks: [] }), "version_changed");
    expect(text).toContain(`❌ **${reason}**`);
    expect(text).toContain("🟡 **undecided** (deployed version changed) after 1 load test");
    expect(text).not.toContain("| metric |");
  });
});
