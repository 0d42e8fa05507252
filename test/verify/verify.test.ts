import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exitCodeForError, exitCodeForOutcome } from "../../src/cli/exit-codes.js";
import { isDogdriverError } from "../../src/errors.js";
import { reportCommand } from "../../src/report/report-command.js";
import { type VerifyOptions, verifyCommand } from "../../src/verify/verify-command.js";
import type { VerifyResult } from "../../src/verify/verify-render.js";
import { service, smokeTest, type Workspace, workspace } from "../runner/runner-fixtures.js";
import { datadogEnv, type Emulator, startDatadogEmulator } from "../support/datadog-emulator/index.js";
import { type HttpService, startHttpService } from "../support/http-service.js";

// `dogdriver verify` with the real Molotov against a local service: it stops at the first run count that can
// answer, stores every run as `run` does, and says so with its exit code.

let ws: Workspace;
let shop: HttpService;
let datadog: Emulator;
let jitter: ReturnType<typeof setInterval> | undefined;

const verify = async (options: Partial<VerifyOptions> = {}, deps = ws.deps()) => {
  let exit: number;
  let message: string | undefined;
  try {
    exit = exitCodeForOutcome(
      await verifyCommand({ service: "shop/test", json: true, ...options }, deps, ws.parts),
    );
  } catch (error) {
    if (!isDogdriverError(error)) throw error;
    exit = exitCodeForError(error.code);
    message = error.message;
  }
  const stdout = deps.stdout.text();
  return { exit, message, deps, result: stdout ? (JSON.parse(stdout) as VerifyResult) : undefined };
};

const runs = async (count: number) => {
  for (let i = 0; i < count; i++) expect((await ws.run({ services: ["shop"] })).exit).toBe(0);
};

beforeAll(async () => {
  ws = await workspace();
  shop = await startHttpService({ delayMs: 20, version: "1.0.0" });
  datadog = await startDatadogEmulator();
  await ws.testDir("shop-test", smokeTest({ duration: 1, workers: 8 }));
  // A wider "no change" margin than the default 10%: a CI machine's short runs vary by several percent, and a
  // no_change must come within the budget whatever else the machine is doing (the 10% figures: benchmarks.md).
  await ws.config({
    store: "file://./store",
    source: "ci",
    services: [service("shop", shop.url, "./shop-test", { equivalence_pct: 25 })],
    // verify posts the release's series as aggregate does: through this filter.
    metrics: { exclude: ["dogdriver.release.change_pct"] },
  });
});
afterAll(async () => {
  if (jitter) clearInterval(jitter);
  await Promise.all([shop.close(), datadog.close(), ws.cleanup()]);
});

describe("dogdriver verify", () => {
  it("says what to do when no release before the deployed one is stored (exit 3), before any load", async () => {
    const { exit, message } = await verify();
    expect(exit).toBe(3);
    expect(message).toMatch(
      /^verify shop\/test: no release before 1\.0\.0 is stored in file:\/\/.*store, so there is nothing to compare it with\. Load-test the release it replaces first \(`dogdriver run shop\/test` before the deploy/,
    );
    expect(shop.requests()).toBe(0);
  });

  it("stops at a regression within 3 runs of a release 40% slower (exit 4), its runs stored as run stores them", async () => {
    await runs(5);
    shop.setVersion("1.1.0");
    shop.setDelay(28);
    const withKeys = ws.deps();
    withKeys.env = { ...withKeys.env, ...datadogEnv(datadog) };
    const { exit, result, deps } = await verify({}, withKeys);
    expect(exit).toBe(4);
    expect(result).toMatchObject({
      service: "shop",
      env: "test",
      source: "ci",
      baseline_version: "1.0.0",
      candidate_version: "1.1.0",
      verdict: "regression",
    });
    // A regression needs 3 candidate runs (two slow runs in a row may both be noisy neighbours).
    expect(result?.runs).toBeGreaterThanOrEqual(3);
    expect(result?.runs).toBeLessThanOrEqual(6);
    expect(result?.change_pct).toBeGreaterThan(20);
    expect(result?.looks.map((l) => l.verdict).at(-1)).toBe("regression");
    expect(result?.looks.slice(0, -1).every((l) => l.verdict === "undecided")).toBe(true);
    // A single run never decides: the first look at one candidate run is undecided.
    expect(result?.looks[0]).toMatchObject({ run: 1, candidate_runs: 1, verdict: "undecided" });
    expect(result?.looks).toHaveLength(result?.runs as number);
    expect(deps.stderr.text()).toMatch(/verify shop\/test: regression, 1\.1\.0 against 1\.0\.0: /);

    // The decision is the release's verdict in Datadog: its event, and its dogdriver.release.* series but those
    // the configuration's metrics filter leaves out.
    expect(deps.stderr.text()).toContain("verify: verdict posted to Datadog");
    expect(datadog.events().map((e) => e.title)).toContainEqual(
      expect.stringMatching(/^shop test 1\.1\.0: regression against 1\.0\.0/),
    );
    const released = new Set(
      datadog
        .series()
        .map((s) => s.metric)
        .filter((m) => m.startsWith("dogdriver.release.")),
    );
    expect(released).toContain("dogdriver.release.verdict");
    // The metric that decided reads 1 (regression) at the candidate: what the regression monitor alerts on.
    const decided = datadog
      .points()
      .filter((p) => p.metric === "dogdriver.release.verdict" && p.tags.includes(`metric:${result?.metric}`));
    expect(decided.map((p) => [p.value, p.tags.includes("version:1.1.0")])).toEqual([[1, true]]);
    expect(released).not.toContain("dogdriver.release.change_pct");

    // The report reads verify's runs like any other.
    const reportDeps = ws.deps();
    await reportCommand({ json: true }, reportDeps);
    const { comparisons } = JSON.parse(reportDeps.stdout.text()) as {
      comparisons: { metric: string; candidate: { version: string; runs: number; outliers: number } }[];
    };
    const p95 = comparisons.find((c) => c.metric === "client.latency_ms.p95");
    // Every run verify made, those the comparison sets aside as outliers (a busy machine's slow run) included.
    expect(p95?.candidate.version).toBe("1.1.0");
    expect((p95?.candidate.runs ?? 0) + (p95?.candidate.outliers ?? 0)).toBe(result?.runs);
  });

  // A slower service than the others here (200 ms): a busy machine's drift between the scheduled runs and verify's
  // (a ms or two per request, the client's overhead) stays under the 3% practical threshold. At 28 ms it reached
  // 4-12% on this 2-core machine, a real change in what was measured that verify rightly reported (rps −4.3%).
  it("stops at no change on an unchanged next release (exit 0), before its budget", async () => {
    shop.setDelay(200);
    shop.setVersion("1.2.0");
    await runs(4); // scheduled runs of 1.2.0
    shop.setVersion("1.2.1");
    const { exit, result } = await verify();
    shop.setDelay(28);
    expect([exit, result?.verdict], JSON.stringify(result?.comparisons.map((c) => c.reason))).toEqual([
      0,
      "no_change",
    ]);
    expect(result?.baseline_version).toBe("1.2.0");
    expect(result?.looks.at(-1)?.verdict).toBe("no_change");
    expect(result?.looks.slice(0, -1).every((l) => l.verdict === "undecided")).toBe(true);
    expect(result?.looks).toHaveLength(result?.runs as number);
    expect(result?.runs).toBeLessThan(10);
  });

  it("stops at the budget, undecided (exit 6), on a service whose latency jumps around", async () => {
    shop.setVersion("1.3.0");
    // Each run at a level of its own around the baseline's (1.1.0) 28 ms (−50%, +100%, +0%): the next level is set in the
    // pause between two runs (no request for 150 ms), so that no run mixes two levels (a run that did would read
    // its p95 at the higher one, and three of them a consistent regression).
    const levels = [14, 56, 28];
    let k = 0;
    shop.setDelay(levels[0] as number);
    let seen = shop.requests();
    let quietSince = Date.now();
    let busy = false;
    jitter = setInterval(() => {
      const now = shop.requests();
      if (now !== seen) {
        seen = now;
        quietSince = Date.now();
        busy = true;
      } else if (busy && Date.now() - quietSince > 150) {
        busy = false;
        shop.setDelay(levels[++k % levels.length] as number);
      }
    }, 20);
    const { exit, result } = await verify({ maxRuns: 3, baseline: "1.1.0" });
    clearInterval(jitter);
    jitter = undefined;
    shop.setDelay(28);
    expect(exit).toBe(6);
    expect(result).toMatchObject({ verdict: "undecided", runs: 3 });
    expect(result?.looks).toHaveLength(3);
  });

  // Before, Ctrl-C during a load test (where a verify spends its time) exited 5 with nothing on stdout, as if the
  // service had failed its test, while Ctrl-C between runs exited 1 after printing the result.
  it("stops at Ctrl-C: exit 1, the result so far printed, every run stored (the interrupted one as failed)", async () => {
    shop.setVersion("1.4.0");
    const deps = ws.deps();
    const before = shop.requests();
    const stopper = setInterval(() => {
      if (shop.requests() > before + 20) {
        clearInterval(stopper);
        deps.abort.abort(new Error("interrupted by SIGINT"));
      }
    }, 50);
    const { exit, result, message } = await verify({}, deps);
    clearInterval(stopper);
    expect([exit, message], deps.stderr.text()).toEqual([
      1,
      "verify shop/test: interrupted after 1 load test; every finished run is stored",
    ]);
    expect(result).toMatchObject({ candidate_version: "1.4.0", verdict: "undecided", runs: 1 });
    const reportDeps = ws.deps();
    await reportCommand({ json: true }, reportDeps);
    const { comparisons } = JSON.parse(reportDeps.stdout.text()) as {
      comparisons: { metric: string; candidate: { version: string; failed: number } }[];
    };
    const p95 = comparisons.find((c) => c.metric === "client.latency_ms.p95");
    expect(p95?.candidate).toMatchObject({ version: "1.4.0", failed: 1 });
  });

  it("verifies a canary behind its own URL (--endpoint): its version read there, no request to the stable one", async () => {
    const canary = await startHttpService({ delayMs: 40, version: "1.5.0" });
    try {
      const stable = shop.requests();
      const { exit, result, deps } = await verify({ endpoint: `${canary.url}/`, baseline: "1.1.0" });
      expect([exit, result?.verdict], deps.stderr.text()).toEqual([4, "regression"]);
      expect(result).toMatchObject({ candidate_version: "1.5.0", baseline_version: "1.1.0" });
      expect(shop.requests()).toBe(stable);
      expect(canary.requests()).toBeGreaterThan(0);
    } finally {
      await canary.close();
    }
  });

  it("ends at a failed load test with exit 5 and its reason in --json; --max-time stops it undecided (exit 6)", async () => {
    shop.setVersion("1.6.0");
    shop.setErrorRate(1);
    try {
      const failed = await verify();
      expect([failed.exit, failed.result?.verdict, failed.result?.runs], failed.deps.stderr.text()).toEqual([
        5,
        "undecided",
        1,
      ]);
      expect(failed.result?.reason).toMatch(/^the load test failed: every one of the \d+ requests failed/);
    } finally {
      shop.setErrorRate(0);
    }
    // A run takes a second or two: no second one starts after 500 ms, and one run never decides.
    const timed = await verify({ maxTime: "500ms" });
    expect([timed.exit, timed.result?.verdict, timed.result?.runs]).toEqual([6, "undecided", 1]);
    expect(timed.deps.stderr.text()).toContain("verify: --max-time 500ms reached after 1 run(s)");
  });
});
