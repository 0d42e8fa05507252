import { readFileSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { buildReport, reportJson } from "../../src/report/build-report.js";
import { openHtmlFile } from "../../src/report/html-file.js";
import { jsonReportWriter } from "../../src/report/json-writer.js";
import { readOrder } from "../../src/report/store-groups.js";
import type { RunRecord } from "../../src/store/run-record.js";
import { captured, testDeps } from "../support/deps.js";

// `report` judges one service/env at a time as the store lists them and writes --json as it goes: the bytes
// must be those of the whole report built at once (buildReport + reportJson, which the stored-histories test
// pins), whatever the filters.

const golden = gunzipSync(readFileSync(join(import.meta.dirname, "../verdicts/golden/runs.jsonl.gz")))
  .toString("utf8")
  .split("\n")
  .filter((line) => line !== "")
  .map((line) => JSON.parse(line) as RunRecord);
// 24 services of the stored histories, renamed so that key order and name order differ ("a-b" before "a").
const names = ["kinto", "kinto-api", "kinto.web", "auth", "auth_v2"];
const runs = golden
  .filter((r) => Number(r.service.slice(4)) < 24)
  .map((r) => {
    const i = Number(r.service.slice(4));
    return { ...r, service: `${names[i % names.length]}${i < names.length ? "" : `-${i}`}` };
  });

let dir: string;
let storeUrl: string;

const cli = async (argv: string[]) => {
  const deps = testDeps({ cwd: dir });
  const stdout = captured(false);
  const code = await main(argv, { ...deps, stdout }, "0.0.0-test");
  return { code, stdout: stdout.text(), stderr: deps.stderr.text() };
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "dogdriver-report-stream-"));
  storeUrl = `file://${join(dir, "store")}`;
  const file = join(dir, "runs.jsonl");
  await writeFile(file, `${runs.map((r) => JSON.stringify(r)).join("\n")}\n`);
  const { code } = await cli(["import", file, "--store", storeUrl]);
  expect(code).toBe(0);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("report, one service at a time", () => {
  it("writes --json --history byte for byte as the report built at once", async () => {
    const { code, stdout } = await cli(["report", "--store", storeUrl, "--json", "--history"]);
    expect(code).toBe(0);
    expect(stdout).toBe(reportJson(buildReport(runs, 0, {}, true)));
    const services = (JSON.parse(stdout) as { comparisons: RunRecord[] }).comparisons.map((c) => c.service);
    // The store's key order: "kinto-api/" and "kinto.web/" sort before "kinto/".
    expect(services.indexOf("kinto-api")).toBeLessThan(services.indexOf("kinto"));
  });

  it("reads each named service once, in key order, however the names are given", async () => {
    const { stdout } = await cli([
      "report",
      "kinto",
      "auth",
      "kinto/stage",
      "kinto",
      "--store",
      storeUrl,
      "--json",
    ]);
    const wanted = runs.filter((r) => r.service === "kinto" || r.service === "auth");
    expect(stdout).toBe(reportJson(buildReport(wanted, 0, {})));
    expect(readOrder([{ service: "b" }, { service: "a", env: "x" }, { service: "b", env: "y" }])).toEqual([
      { service: "a", env: "x" },
      { service: "b" },
    ]);
  });

  it("writes the HTML page section by section, and only a finished page replaces the old one", async () => {
    const page = join(dir, "report.html");
    await writeFile(page, "old page");
    const { code, stderr } = await cli(["report", "--store", storeUrl, "--html", page]);
    expect(code).toBe(0);
    expect(stderr).toContain(`HTML page written to ${page}`);
    const html = await readFile(page, "utf8");
    expect(html.match(/<section>/g)).toHaveLength(24);
    expect(html).toMatch(new RegExp(`<p>${runs.length} runs read\\.</p>\\n</body></html>\\n$`));
    // A page that cannot be finished (its directory is a file) leaves nothing behind and says why.
    const bad = await cli(["report", "--store", storeUrl, "--html", join(page, "x.html")]);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toContain("--html");
  });

  it("keeps the old page until the new one is finished, and leaves no partial file behind", async () => {
    const sub = await mkdtemp(join(dir, "html-"));
    const page = join(sub, "report.html");
    await writeFile(page, "old page");
    const partial = await openHtmlFile(page);
    await partial.write("<html>half");
    expect(await readFile(page, "utf8")).toBe("old page");
    await partial.abandon();
    expect(await readFile(page, "utf8")).toBe("old page");
    expect(await readdir(sub)).toEqual(["report.html"]);
    const finished = await openHtmlFile(page);
    await finished.write("<html>whole</html>");
    expect(await readFile(page, "utf8")).toBe("old page");
    await finished.commit();
    expect(await readFile(page, "utf8")).toBe("<html>whole</html>");
    expect(await readdir(sub)).toEqual(["report.html"]);
  });
});

describe("the JSON writer", () => {
  it("writes the document JSON.parse reads back, one entry a line, empty lists included", () => {
    const text = (comparisons: unknown[], history: unknown[] | undefined, skipped: unknown[]) => {
      const parts: string[] = [];
      const w = jsonReportWriter((t) => parts.push(t), history !== undefined);
      // Comparisons arrive in pieces, some empty.
      w.comparisons([]);
      for (const c of comparisons) w.comparisons([c as never]);
      w.history((history ?? []) as never[]);
      w.finish(skipped as never[], 7);
      return parts.join("");
    };
    const c = { a: 1, b: { c: [1, 2], d: "x\ny" }, e: [] };
    for (const [cs, hs, ss] of [
      [[], undefined, []],
      [[], [], []],
      [[c], [c, c], [{ s: 1 }]],
      [[c, c], undefined, []],
    ] as const) {
      const out = text([...cs], hs === undefined ? undefined : [...hs], [...ss]);
      expect(JSON.parse(out)).toEqual({
        comparisons: cs,
        ...(hs === undefined ? {} : { history: hs }),
        skipped: ss,
        runs: 7,
      });
      // Each entry on a line of its own.
      const entries = out.split("\n").filter((line) => line.startsWith("    {"));
      expect(entries).toHaveLength(cs.length + (hs?.length ?? 0) + ss.length);
      for (const line of entries) expect(() => JSON.parse(line.replace(/,$/, ""))).not.toThrow();
    }
  });
});
