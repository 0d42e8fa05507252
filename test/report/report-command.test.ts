import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import type { RunRecord } from "../../src/store/run-record.js";
import { captured, testDeps } from "../support/deps.js";
import { endpointEntry, NOISE, release, run, withEndpointEntries } from "../verdicts/frozen-runs.js";

// `dogdriver report` end to end: records go in through `dogdriver import` into a real file store, and the
// report reads them back through the RunStore, as a user would.

let dir: string;
let storeUrl: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "dogdriver-report-"));
  storeUrl = `file://${join(dir, "store")}`;
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const history = (candidateLevel: number): RunRecord[] => [
  ...release("3f9e2a1", 0, 10, 100),
  ...release("0b7c4d2", 1000, 10, 100, {}, 3),
  ...release("1.10.0", 2000, 10, 100, {}, 7),
  ...release("1.9.0", 3000, 8, candidateLevel, {}, 2),
  run(3300, { version: "1.9.0", p95: 900, flags: ["topology_changed"] }),
  run(3330, { version: "1.9.0", p95: 100, state: "failed" }),
];

const cli = async (argv: string[], isTTY = false) => {
  const deps = testDeps({ cwd: dir });
  const stdout = captured(isTTY);
  const all = { ...deps, stdout };
  const code = await main(argv, all, "0.0.0-test");
  return { code, stdout: stdout.text(), stderr: deps.stderr.text() };
};

const importRuns = async (runs: RunRecord[]) => {
  const file = join(dir, "history.jsonl");
  await writeFile(file, `${runs.map((r) => JSON.stringify(r)).join("\n")}\n`);
  const { code, stderr } = await cli(["import", file, "--store", storeUrl]);
  expect(stderr).not.toContain("error");
  expect(code).toBe(0);
};

describe("dogdriver report", () => {
  it("--json gives the contract's fields for an imported history", async () => {
    await importRuns(history(125));
    const { code, stdout } = await cli(["report", "--store", storeUrl, "--json"]);
    expect(code).toBe(0);
    const { comparisons } = JSON.parse(stdout) as { comparisons: Record<string, unknown>[] };
    const p95 = comparisons.find((c) => c.metric === "client.latency_ms.p95");
    expect(p95).toMatchObject({
      service: "kinto",
      env: "stage",
      source: "eu-west-runner-1",
      metric: "client.latency_ms.p95",
      baseline: { version: "1.10.0", runs: 10, median: 100 },
      candidate: { version: "1.9.0", runs: 8, flagged: 1, failed: 1 },
      verdict: "regression",
    });
    expect(p95?.change_pct).toBeGreaterThan(20);
    expect(p95?.p_value).toBeLessThan(0.005);
    // 125 × the median of NOISE[2..9]
    expect((p95?.candidate as { median?: number } | undefined)?.median).toBeCloseTo(124.375, 6);
    for (const c of comparisons)
      expect(["regression", "improvement", "no_change", "insufficient_data"]).toContain(c.verdict);
    expect(comparisons.map((c) => c.metric)).toEqual(
      expect.arrayContaining([
        "client.latency_ms.p50",
        "client.latency_ms.p99",
        "client.error_rate",
        "client.rps",
      ]),
    );
  });

  it("--fail-on regression exits 4 on a regression and 0 without one", async () => {
    await importRuns(history(125));
    const failed = await cli(["report", "--store", storeUrl, "--fail-on", "regression"]);
    expect(failed.code).toBe(4);
    expect(failed.stderr).toContain("regression");
    expect(failed.stdout).toContain("kinto");

    await rm(join(dir, "store"), { recursive: true });
    await importRuns(history(100));
    const calm = await cli(["report", "--store", storeUrl, "--fail-on", "regression"]);
    expect(calm.code).toBe(0);
    expect(calm.stdout).toContain("no change");
  });

  it("--fail-on-metric narrows the gate to the metrics named, and refuses a name that is none", async () => {
    // p50/p95/p99 rose 25%; throughput and errors did not move.
    await importRuns(history(125));
    const gate = (...metrics: string[]) =>
      cli([
        "report",
        "--store",
        storeUrl,
        "--fail-on",
        "regression",
        ...metrics.flatMap((m) => ["--fail-on-metric", m]),
      ]);
    expect((await gate("client.rps")).code).toBe(0);
    const p95 = await gate("client.rps", "client.latency_ms.p95");
    expect(p95.code).toBe(4);
    expect(p95.stderr).toContain("client.latency_ms.p95 1.9.0");
    expect(p95.stderr).not.toContain("client.latency_ms.p50");
    const typo = await gate("client.latency_ms.p96");
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain(
      '--fail-on-metric: "client.latency_ms.p96" is not a metric releases are compared on (client.latency_ms.p50,',
    );
    // A server metric is one of the configured queries or one the stored runs hold: none here.
    const server = await gate("server.cpu_pct");
    expect(server.code).toBe(2);
    expect(server.stderr).toContain("client.rps, or server.<query name> for a configured query)");
    const alone = await cli(["report", "--store", storeUrl, "--fail-on-metric", "client.rps"]);
    expect(alone.code).toBe(2);
    expect(alone.stderr).toContain("fail-on");
  });

  it("--fail-on regression: the headline row says which other metric regressed when its own p95 does not", async () => {
    // Every latency rose 50%, but p95 is so scattered in both releases that its verdict is undecided: the gate fails
    // on p50 and p99, and the headline must not read as if nothing did.
    const SPREAD = [40, 160, 70, 130, 55, 145, 90, 110];
    const scattered = (runs: RunRecord[]) =>
      runs.map((r, i) => ({
        ...r,
        client: {
          ...r.client,
          latency_ms: { ...r.client.latency_ms, p95: SPREAD[i % SPREAD.length] as number },
        },
      }));
    await importRuns([...scattered(release("1.0", 0, 8, 100)), ...scattered(release("1.1", 1000, 8, 150))]);
    const gate = await cli(["report", "--store", storeUrl, "--fail-on", "regression"]);
    expect(gate.code).toBe(4);
    expect(gate.stdout).toMatch(/1\.0 → 1\.1 .* \? insufficient data, p50, p99 regressed$/m);
    const md = await cli(["report", "--store", storeUrl, "--markdown"]);
    expect(md.stdout).toMatch(/\| 🟡 \? insufficient data \(.*\), p50, p99 regressed \|$/m);
    // A row whose own verdict tells it all gets nothing added.
    await rm(join(dir, "store"), { recursive: true });
    await importRuns(history(125));
    const plain = (await cli(["report", "--store", storeUrl])).stdout;
    expect(plain).toMatch(/1\.10\.0 → 1\.9\.0 .* ▲ regression$/m);
    expect(plain).not.toContain("regressed");
  });

  it("--fail-on regression: the headline row counts the endpoints that regressed under an unmoved service", async () => {
    // POST /api/cart, a tenth of the requests, got 40% slower; the service's p95 did not move.
    const withCart = (minute: number, version: string, i: number, cart: number): RunRecord => {
      const f = (k: number) => NOISE[(i + k) % NOISE.length] as number;
      return withEndpointEntries(run(minute, { version, p95: 100 * f(0) }), [
        endpointEntry("GET /items/{id}", 900, 80 * f(3)),
        endpointEntry("POST /api/cart", 100, cart * f(7)),
      ]);
    };
    await importRuns([
      ...Array.from({ length: 12 }, (_, i) => withCart(i * 30, "1.0.0", i, 30)),
      ...Array.from({ length: 6 }, (_, i) => withCart(1000 + i * 30, "1.1.0", i + 2, 42)),
    ]);
    const gate = await cli(["report", "--store", storeUrl, "--fail-on", "regression"]);
    expect(gate.code).toBe(4);
    expect(gate.stdout).toMatch(/1\.0\.0 → 1\.1\.0 .* = no change, 1 endpoint regressed$/m);
  });

  it("prints a table with colour only on a terminal", async () => {
    await importRuns(history(125));
    const plain = await cli(["report", "--store", storeUrl]);
    expect(plain.stdout).toMatch(/SERVICE\s+ENV\s+SOURCE\s+BASELINE → CANDIDATE\s+RUNS\s+P95 CHANGE/);
    expect(plain.stdout).toMatch(
      /kinto\s+stage\s+eu-west-runner-1\s+1\.10\.0 → 1\.9\.0\s+10 → 8 \(2 left out\)\s+\+2\d\.\d% \[\+\d+\.\d, \+\d+\.\d\]\s+▲ regression/,
    );
    expect(plain.stdout).not.toContain("\u001b[");
    const tty = await cli(["report", "--store", storeUrl], true);
    expect(tty.stdout).toContain("\u001b[31m▲ regression");
  });

  it("--markdown prints a table for CI summaries", async () => {
    await importRuns(history(125));
    const { stdout, code } = await cli(["report", "--store", storeUrl, "--markdown"]);
    expect(code).toBe(0);
    expect(stdout).toContain(
      "| service | env | source | baseline → candidate | runs | p95 change [95% CI] | verdict |",
    );
    expect(stdout).toMatch(
      /\| kinto \| stage \| eu-west-runner-1 \| 1\.10\.0 → 1\.9\.0 \| .* \| 🔴 ▲ regression \|/,
    );
  });

  it("--html writes a page with the trend chart, release markers and verdicts", async () => {
    await importRuns(history(125));
    const { code } = await cli(["report", "--store", storeUrl, "--html", "report.html"]);
    expect(code).toBe(0);
    const html = await readFile(join(dir, "report.html"), "utf8");
    expect(html).toContain("<svg");
    for (const version of ["3f9e2a1", "0b7c4d2", "1.10.0", "1.9.0"])
      expect(html).toContain(`>${version}</text>`);
    expect((html.match(/<circle /g) ?? []).length).toBeGreaterThanOrEqual(40);
    expect(html).toContain("▲ regression");
  });

  it("--history shows each release against the one before, in every view; the chart has dates and other metrics", async () => {
    // 1.0 → 1.1 got 30% slower, 1.2 changed nothing, 1.3 got 20% faster: only the last pair is the newest.
    await importRuns([
      ...release("1.0", 0, 8, 100),
      ...release("1.1", 1000, 8, 130, {}, 3),
      ...release("1.2", 2000, 8, 130, {}, 5),
      ...release("1.3", 3000, 8, 104, {}, 7),
    ]);
    const json = await cli(["report", "--store", storeUrl, "--json", "--history"]);
    expect(json.code).toBe(0);
    const { comparisons, history } = JSON.parse(json.stdout) as {
      comparisons: { metric: string }[];
      history: {
        metric: string;
        baseline: { version: string };
        candidate: { version: string };
        verdict: string;
      }[];
    };
    const p95 = history.filter((c) => c.metric === "client.latency_ms.p95");
    expect(p95.map((c) => [c.baseline.version, c.candidate.version, c.verdict])).toEqual([
      ["1.0", "1.1", "regression"],
      ["1.1", "1.2", "no_change"],
      ["1.2", "1.3", "improvement"],
    ]);
    expect(comparisons.filter((c) => c.metric === "client.latency_ms.p95")).toHaveLength(1);
    // Without the option the JSON has no history (the contract's shape).
    expect(JSON.parse((await cli(["report", "--store", storeUrl, "--json"])).stdout)).not.toHaveProperty(
      "history",
    );

    const table = await cli(["report", "--store", storeUrl, "--history"]);
    expect(table.stdout).toContain("Release history (p95, each release against the one before):");
    expect(table.stdout).toMatch(
      /kinto\/stage eu-west-runner-1 1\.0 → 1\.1 \(2026-11-01\): 8 → 8 runs, \+30\.\d% .*▲ regression/,
    );
    expect(table.stdout).toMatch(/1\.1 → 1\.2 .*= no change/);
    const md = await cli(["report", "--store", storeUrl, "--markdown", "--history"]);
    expect(md.stdout).toMatch(
      /\| kinto \| stage \| eu-west-runner-1 \| 1\.2 → 1\.3 \| 2026-11-0\d \| 8 → 8 \| .* \| 🟢 ▼ improvement \|/,
    );

    expect((await cli(["report", "--store", storeUrl, "--history", "--html", "h.html"])).code).toBe(0);
    const html = await readFile(join(dir, "h.html"), "utf8");
    expect(html).toContain("Release history (p95, each release against the one before)");
    expect(html).toMatch(/<td>1\.0 → 1\.1<\/td><td>2026-11-01<\/td>/);
    // Dates on the time axis (the history spans under three days: day and time of day).
    expect(html).toMatch(/>11-01 00:00<\/text>/);
    // Other metrics beside p95.
    expect(html).toContain("<td>client.latency_ms.p50</td>");
  });

  it("says which left-out runs met a saturated runner", async () => {
    await importRuns([
      ...history(100),
      run(3400, { version: "1.9.0", p95: 160, rps: 12, flags: ["runner_saturated"] }),
    ]);
    const { stdout } = await cli(["report", "--store", storeUrl]);
    expect(stdout).toContain("kinto/stage eu-west-runner-1: 2 flagged (1 runner saturated), 1 failed");
  });

  it("marks a source row that took the all-sources verdict", async () => {
    const at = (version: string, start: number, near: number, far: number, level: number, offset = 0) => [
      ...release(version, start, near, level, { source: "near" }, offset),
      ...release(version, start + 7, far, 1.5 * level, { source: "far" }, offset + 4),
    ];
    await importRuns([
      ...at("a1", 0, 6, 6, 100),
      ...at("b2", 1000, 6, 6, 100, 1),
      ...at("c3", 2000, 8, 1, 100, 2),
      ...at("d4", 3000, 5, 5, 120, 3),
    ]);
    const { stdout } = await cli(["report", "--store", storeUrl]);
    expect(stdout).toMatch(/kinto +stage +far +c3 → d4 +1 → 5 +\+\d+\.\d% .* ▲ regression \*/);
    expect(stdout).toMatch(/kinto +stage +near +c3 → d4 .* ▲ regression$/m);
    expect(stdout).toContain("* this source's own runs cannot decide: the verdict of all sources");
    const json = JSON.parse((await cli(["report", "--store", storeUrl, "--json"])).stdout) as {
      comparisons: { source: string; metric: string; basis: string }[];
    };
    const far = json.comparisons.find((c) => c.source === "far" && c.metric === "client.latency_ms.p95");
    expect(far?.basis).toBe("all_sources");
  });

  it("filters by SERVICE and refuses a malformed one", async () => {
    await importRuns([...history(125), ...release("x1", 0, 3, 50).map((r) => ({ ...r, service: "other" }))]);
    const only = await cli(["report", "kinto/stage", "--store", storeUrl, "--json"]);
    const services = new Set(
      (JSON.parse(only.stdout).comparisons as { service: string }[]).map((c) => c.service),
    );
    expect([...services]).toEqual(["kinto"]);
    const all = await cli(["report", "--store", storeUrl]);
    expect(all.stdout).toContain("other/stage: one release so far (x1, 3 runs, median p50 25 ms, p95 50 ms)");
    const bad = await cli(["report", "Kinto", "--store", storeUrl]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('SERVICE "Kinto"');
  });

  it("refuses a SERVICE neither stored nor configured, and says when a configured one has no runs yet", async () => {
    await importRuns(history(125));
    // A misspelt name in a --fail-on regression gate must fail, not pass for ever on no comparison.
    for (const name of ["kinot", "kinto/prod"]) {
      const typo = await cli(["report", name, "--store", storeUrl, "--fail-on", "regression"]);
      expect(typo.code).toBe(2);
      expect(typo.stderr).toContain(`report: no runs of "${name}" in ${storeUrl}`);
      expect(typo.stderr).toContain("no configuration file names them");
    }
    const two = await cli(["report", "kinto", "kinot", "nosuch", "--store", storeUrl]);
    expect(two.code).toBe(2);
    expect(two.stderr).toContain('report: no runs of "kinot", "nosuch" in');
    const service = {
      env: "stage",
      endpoint: "http://127.0.0.1:9",
      test: { repo: "./loadtest", name: "smoke" },
    };
    await writeFile(
      join(dir, "dogdriver.config.json"),
      JSON.stringify({
        store: storeUrl,
        services: [
          { name: "kinto", ...service },
          { name: "fresh", ...service },
        ],
      }),
    );
    const empty = await cli(["report", "fresh"]);
    expect(empty.code).toBe(0);
    expect(empty.stderr).toContain("warning: no runs stored for fresh in");
    expect(empty.stdout).toContain("No runs to compare (0 runs read).");
    const typo = await cli(["report", "frsh"]);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain(
      "none of them is configured in dogdriver.config.json (configured: kinto/stage, fresh/stage)",
    );
    // Services discovered from the Software Catalog are not in the file: report (offline) cannot tell a typo.
    await writeFile(
      join(dir, "dogdriver.config.json"),
      JSON.stringify({
        store: storeUrl,
        discover: { datadog: true },
        services: [{ name: "kinto", ...service }],
      }),
    );
    const discovered = await cli(["report", "frsh"]);
    expect(discovered.code).toBe(0);
    expect(discovered.stderr).toContain("warning: no runs stored for frsh in");
  });
});
