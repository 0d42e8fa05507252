import { describe, expect, it } from "vitest";
import type { RunRecord } from "../../src/store/run-record.js";
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
