import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { validateConfig } from "../../src/config/load.js";
import { buildReport } from "../../src/report/build-report.js";
import { verdictOptions } from "../../src/verdicts/verdict-options.js";
import { testDeps } from "../support/deps.js";
import { release } from "../verdicts/frozen-runs.js";

// The "no change" margin from the config file: verdicts.equivalence_pct, and per service.

const service = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  env: "stage",
  endpoint: `http://127.0.0.1:9/${name}`,
  test: { repo: "./loadtest" },
  ...extra,
});

// An unchanged release: 6 runs against 6 at the same level, ±2% noise.
const unchanged = [...release("v1", 0, 6, 100), ...release("v2", 400, 6, 100, {}, 5)];
const p95Verdict = (config: ReturnType<typeof validateConfig>) =>
  buildReport(unchanged, 0, verdictOptions(config)).comparisons.find(
    (c) => c.metric === "client.latency_ms.p95",
  )?.verdict;

describe("equivalence margin from the config", () => {
  it("defaults to ±10%, and a service's own margin wins over the file's", () => {
    const none = validateConfig({ services: [service("kinto")] }, "c.json", { env: {}, hostname: "h" });
    expect(none.verdicts.equivalencePct).toBe(10);
    expect(p95Verdict(none)).toBe("no_change");

    const tight = validateConfig(
      { verdicts: { equivalence_pct: 1 }, services: [service("kinto")] },
      "c.json",
      {
        env: {},
        hostname: "h",
      },
    );
    expect(tight.verdicts.equivalencePct).toBe(1);
    // ±2% noise with 6 runs a side cannot show the interval inside ±1%.
    expect(p95Verdict(tight)).toBe("insufficient_data");

    const own = validateConfig(
      { verdicts: { equivalence_pct: 1 }, services: [service("kinto", { equivalence_pct: 10 })] },
      "c.json",
      { env: {}, hostname: "h" },
    );
    expect(own.services[0]?.equivalencePct).toBe(10);
    expect(p95Verdict(own)).toBe("no_change");
  });

  const dir = mkdtemp(join(tmpdir(), "dd-margin-"));
  afterAll(async () => rm(await dir, { recursive: true, force: true }));

  it.each([
    [{ verdicts: { equivalence_pct: 0.5 } }, "verdicts.equivalence_pct"],
    [{ verdicts: { equivalence_pct: "10%" } }, "verdicts.equivalence_pct"],
    [{ services: [service("kinto", { equivalence_pct: 80 })] }, "services[0].equivalence_pct"],
  ])("refuses %j naming the key, exit 3", async (file, key) => {
    const cwd = await mkdtemp(join(await dir, "c-"));
    await writeFile(join(cwd, "dogdriver.config.json"), JSON.stringify(file));
    const deps = testDeps({ cwd, env: {} });
    const code = await main(["report", "--store", `file://${join(cwd, "store")}`], deps, "0.0.0-test");
    expect(code).toBe(3);
    expect(deps.stderr.text()).toContain(key);
    expect(deps.stderr.text()).toContain("expected a percentage between 1 and 50");
  });
});
