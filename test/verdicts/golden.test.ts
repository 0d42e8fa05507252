import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { buildReport, reportJson } from "../../src/report/build-report.js";
import type { RunRecord } from "../../src/store/run-record.js";
import type { Comparison } from "../../src/verdicts/types.js";

// The verdict engine against stored histories (bench/verdicts-golden.ts made them): `report --json --history`
// over 242 services must be the stored bytes. A rewrite of the engine keeps every verdict, estimate, interval,
// reason and count; a change of method regenerates report.json.gz in its own commit, which says what moved.

const dir = join(import.meta.dirname, "golden");
const gunzip = (name: string) => gunzipSync(readFileSync(join(dir, name))).toString("utf8");

const runs = gunzip("runs.jsonl.gz")
  .split("\n")
  .filter((line) => line !== "")
  .map((line) => JSON.parse(line) as RunRecord);
const expected = gunzip("report.json.gz");

interface Parsed {
  comparisons: Comparison[];
  history: Comparison[];
}

const key = (c: Comparison) => `${c.service}/${c.source}/${c.metric}/${c.candidate.version}`;

describe("the verdict engine over stored histories", () => {
  it("covers every basis, guard and kind of verdict (so that the byte test below means something)", () => {
    const parsed = JSON.parse(expected) as Parsed;
    const all = [...parsed.comparisons, ...parsed.history];
    expect(all.length).toBeGreaterThan(15_000);
    const seen = new Set(all.flatMap((c) => [c.verdict, c.basis, c.scale, ...(c.guards ?? [])]));
    for (const what of [
      "regression",
      "improvement",
      "no_change",
      "insufficient_data",
      "source",
      "all_sources",
      "log",
      "linear",
      "influence",
      "outlier_share",
      "better_side_run",
      "scatter",
    ])
      expect(seen, what).toContain(what);
    expect(all.some((c) => c.change_points.length > 0)).toBe(true);
    expect(all.some((c) => c.reason.includes("Hodges-Lehmann"))).toBe(true);
    expect(all.some((c) => c.reason.startsWith("all sources:"))).toBe(true);
  });

  it("writes report --json --history byte for byte as stored", () => {
    const actual = reportJson(buildReport(runs, 0, {}, true));
    if (actual === expected) return;
    // Name the first comparisons that differ, rather than a 20 MB diff.
    const a = JSON.parse(actual) as Parsed;
    const e = JSON.parse(expected) as Parsed;
    const differing: string[] = [];
    for (const part of ["comparisons", "history"] as const) {
      if (a[part].length !== e[part].length)
        differing.push(`${part}: ${a[part].length} comparisons, stored ${e[part].length}`);
      e[part].forEach((c, i) => {
        const got = a[part][i];
        if (differing.length < 5 && JSON.stringify(got) !== JSON.stringify(c))
          differing.push(
            `${part}[${i}] ${key(c)}:\n  got    ${JSON.stringify(got)}\n  stored ${JSON.stringify(c)}`,
          );
      });
    }
    expect.fail(`report --json differs from the stored one:\n${differing.join("\n")}`);
  });
});
