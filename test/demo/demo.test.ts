import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { openStore } from "../../src/store/open-store.js";
import type { RunRecord } from "../../src/store/run-record.js";
import type { Comparison } from "../../src/verdicts/types.js";
import { laterMolotov } from "../runner/runner-fixtures.js";
import { testDeps } from "../support/deps.js";

// The README's first command ends in `dogdriver demo`: real Molotov against two local services, offline.

describe("dogdriver demo --quick", () => {
  it("load-tests two releases, aggregates offline and reports checkout's slowdown", async () => {
    const cwd = await mkdtemp(join(tmpdir(), "dogdriver-demo-"));
    // Keys in the caller's environment must not make the demo talk to Datadog.
    const env = {
      PATH: process.env.PATH,
      HOME: cwd,
      ...laterMolotov(),
      DD_API_KEY: "0123456789abcdef0123456789abcdef",
      DATADOG_APP_KEY: "fedcba9876543210fedcba9876543210fedcba98",
      DOGDRIVER_DD_URL: "http://127.0.0.1:9",
    };
    const deps = testDeps({ cwd, env });
    expect(await main(["demo", "--quick"], deps, "0.0.0")).toBe(0);
    expect(deps.stderr.text()).toContain("demo: offline: no Datadog keys are used");
    expect(deps.stderr.text()).not.toContain("FAILED");
    // Set keys are not "not set": the demo says once that it leaves them out.
    expect(deps.stderr.text()).not.toContain("keys not set");

    const dir = join(cwd, ".dogdriver-demo");
    const runs: RunRecord[] = [];
    for await (const r of openStore(`file://${join(dir, "store")}`, deps).listRuns()) runs.push(r);
    expect(runs).toHaveLength(12);
    expect(runs.every((r) => r.state === "aggregated")).toBe(true);
    expect(new Set(runs.map((r) => `${r.service} ${r.version}`))).toEqual(
      new Set(["catalog 1.0.0", "catalog 1.1.0", "checkout 2.3.0", "checkout 2.4.0"]),
    );
    expect(await readFile(join(dir, "report.html"), "utf8")).toContain("<svg");
    expect(deps.stdout.text()).toMatch(/checkout +demo +demo +2\.3\.0 → 2\.4\.0/);

    const json = testDeps({ cwd, env: {} });
    expect(
      await main(["report", "--config", join(dir, "dogdriver.config.json"), "--json"], json, "0.0.0"),
    ).toBe(0);
    const { comparisons } = JSON.parse(json.stdout.text()) as { comparisons: Comparison[] };
    const p50 = (service: string) =>
      comparisons.find((c) => c.service === service && c.metric === "client.latency_ms.p50");
    // 30 ms -> 39 ms plus the same round trip: about +28%. (Catalog is not asserted on: three 2-second runs on a
    // shared machine may honestly come out as anything from insufficient_data to no_change.)
    const checkout = p50("checkout");
    const shown = JSON.stringify(checkout);
    expect(checkout, shown).toBeDefined();
    const { baseline, candidate, change_pct, verdict } = checkout as Comparison;
    const ratio = (candidate.median as number) / (baseline.median as number);
    expect(ratio, shown).toBeGreaterThan(1.1);
    expect(ratio, shown).toBeLessThan(1.5);
    expect(["regression", "insufficient_data"], shown).toContain(verdict);
    // A run the load on a busy machine made an outlier leaves two of three: too few for an estimate, and the
    // report says so rather than guess.
    if (change_pct === null) expect(checkout?.reason, shown).toMatch(/has 2 comparable runs; 3 needed/);
    else {
      expect(change_pct, shown).toBeGreaterThan(10);
      expect(change_pct, shown).toBeLessThan(50);
    }
    expect(p50("catalog")).toBeDefined();
  }, 180_000);
});
