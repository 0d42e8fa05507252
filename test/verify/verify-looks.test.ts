import { describe, expect, it } from "vitest";
import type { RunRecord } from "../../src/store/run-record.js";
import type { Comparison } from "../../src/verdicts/types.js";
import { verifyDecision } from "../../src/verify/verify-decision.js";
import { type VerifyTarget, verifyHeadline, verifyLook } from "../../src/verify/verify-judge.js";
import { release } from "../verdicts/frozen-runs.js";

// verify's looks on frozen histories (docs/verify.md, "When it stops"): what a doubt about the baseline's runs,
// which no later run can clear, does to a look.

const P95 = "client.latency_ms.p95";
const target: VerifyTarget = {
  service: "kinto",
  env: "stage",
  test: "dogdriver",
  baseline: "2.0.0",
  candidate: "3.0.0",
};

/** The first look (from 2 candidate runs on) that decides, with its decision; undefined after 10 runs. */
const firstDecision = (history: RunRecord[], candidate: RunRecord[], headline = P95) => {
  for (let n = 2; n <= candidate.length; n++) {
    const rows = verifyLook([...history, ...candidate.slice(0, n)], target).rows;
    const decision = verifyDecision(rows, headline, 10);
    if (decision.verdict !== "undecided") return { n, decision };
  }
  return undefined;
};

describe("verify's looks", () => {
  it("ends at no change with alerts.regression_metric p99, which verify does not decide on: its headline is p95", () => {
    const older = [0, 1, 2, 3].flatMap((r) => release(`1.${r}.0`, r * 400, 12, 100, {}, r));
    const history = [...older, ...release("2.0.0", 1600, 12, 100, {}, 4)];
    const headline = verifyHeadline("client.latency_ms.p99");
    expect(headline).toBe(P95);
    expect(verifyHeadline("client.latency_ms.p50")).toBe("client.latency_ms.p50");
    const found = firstDecision(history, release("3.0.0", 2000, 10, 100, {}, 7), headline);
    expect(found?.decision.verdict).toBe("no_change");
    // With p99 as the headline no look has its row, and verify could only ever say regression or undecided.
    expect(
      firstDecision(history, release("3.0.0", 2000, 10, 100, {}, 7), "client.latency_ms.p99"),
    ).toBeUndefined();
  });

  it("decides a regression when a third of the baseline's runs are outliers and both readings agree", () => {
    // Three of the baseline's 8 runs met noisy neighbours (1.4x): the outlier_share guard fires on the baseline,
    // which no candidate run can change. Waiting for the next run would wait for ever (exit 6 on a +40% release).
    const older = [0, 1, 2, 3].flatMap((r) => release(`1.${r}.0`, r * 400, 12, 100, {}, r));
    const baseline = release("2.0.0", 1600, 8, 100).map((run, i) =>
      [1, 4, 6].includes(i) ? { ...run, client: { ...run.client, latency_ms: scaled(run, 1.4) } } : run,
    );
    const candidate = release("3.0.0", 2000, 10, 140, {}, 3);
    const found = firstDecision([...older, ...baseline], candidate);
    expect(found?.decision.verdict).toBe("regression");
    expect(found?.n).toBeLessThanOrEqual(4);
    expect(found?.decision.comparison?.reason).toMatch(/baseline's 8 comparable runs are outliers/);
    expect(found?.decision.comparison?.reason).toMatch(/holds in both readings/);
  });
});

const scaled = (run: RunRecord, factor: number): RunRecord["client"]["latency_ms"] =>
  Object.fromEntries(
    Object.entries(run.client.latency_ms).map(([k, v]) => [k, (v as number) * factor]),
  ) as RunRecord["client"]["latency_ms"];

describe("verifyDecision", () => {
  const row = (metric: string, verdict: Comparison["verdict"], ci: [number, number] | null): Comparison =>
    ({ metric, verdict, direction: "higher_is_worse", change_ci_pct: ci }) as Comparison;

  // The headline alone reading no change is not enough: another metric whose interval still reaches past the
  // margin on its worse side may hide a regression, and verify waits for it.
  it("holds a no change back while another metric could still hide a regression past the margin", () => {
    const p95 = row(P95, "no_change", [-4, 3]);
    const wide = row("client.latency_ms.p50", "insufficient_data", [-5, 30]);
    expect(verifyDecision([p95, wide], P95, 10)).toEqual({ verdict: "undecided", comparison: p95 });
    const narrow = row("client.latency_ms.p50", "insufficient_data", [-5, 8]);
    expect(verifyDecision([p95, narrow], P95, 10)).toEqual({ verdict: "no_change", comparison: p95 });
    // rps: higher is better, so its worse side is the low end of the interval.
    const rps = {
      ...row("client.rps", "insufficient_data", [-30, 5]),
      direction: "higher_is_better",
    } as Comparison;
    expect(verifyDecision([p95, rps], P95, 10).verdict).toBe("undecided");
  });

  it("stops at a regression of any metric, naming the headline's when it regressed too", () => {
    const p50 = row("client.latency_ms.p50", "regression", [20, 60]);
    const p95 = row(P95, "insufficient_data", [-10, 90]);
    expect(verifyDecision([p50, p95], P95, 10)).toEqual({ verdict: "regression", comparison: p50 });
    const both = row(P95, "regression", [25, 70]);
    expect(verifyDecision([p50, both], P95, 10)).toEqual({ verdict: "regression", comparison: both });
  });
});
