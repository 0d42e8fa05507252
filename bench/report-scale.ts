import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { runKey } from "../src/store/keys.js";
import { checkRecord, encodeRecord } from "../src/store/record-codec.js";
import type { EndpointEntry, RunRecord } from "../src/store/run-record.js";
import { runRecord, seededRandom } from "./verdicts-history.js";

// `dogdriver report` at fleet size (issue 13): a file store of N runs (default 100,000) of a fleet shaped like
// the issue's: 4,000 services, each with 2-5 releases and 1 or 2 sources, about 25 runs a service, records as
// `run` + `aggregate` write them (runner block, three server queries, team, aggregated_at). Then it runs the
// built CLI's `report --json` (and `--html`) as a child process under /usr/bin/time and prints CPU (user+sys),
// peak RSS, wall time and the sha-256 of the JSON output, so two builds can be shown to give byte-identical
// verdicts over the same store.
// Run: npx tsc -p bench/tsconfig.json && node .tmp/bench/bench/report-scale.js [N] [--services S] [--keep DIR]
//        [--cli PATH/dist/cli.js]... [--html] [--endpoints E]
// With --keep DIR the store stays in DIR, and a later run with the same DIR reuses it instead of writing again.
// --html also times `report --html` (slow: see docs/benchmarks.md). Each --cli is measured in turn (default: this checkout's dist/cli.js), on the same store.

const arg = (name: string): string | undefined => {
  const at = process.argv.indexOf(name);
  return at > 0 ? process.argv[at + 1] : undefined;
};
const total = Number(
  process.argv.slice(2).find((a, i, all) => /^\d+$/.test(a) && !/^--/.test(all[i - 1] ?? "")) ?? 100_000,
);
const SERVICES = Number(arg("--services") ?? 4_000);
const keepAt = arg("--keep");
const dir = keepAt ?? join(tmpdir(), `dogdriver-scale-${Date.now()}`);
const here = dirname(fileURLToPath(import.meta.url));
const clis = process.argv.flatMap((a, i) => (a === "--cli" ? [resolve(process.argv[i + 1] as string)] : []));
if (clis.length === 0) clis.push(resolve(here, "../../../dist/cli.js"));
const withHtml = process.argv.includes("--html");
const WRITE_BATCH = 64;

// Service s: 2-5 releases, 1 source (even s) or 2 (odd s, 2 of 3 runs from the first), runs spread evenly.
const releasesOf = (s: number) => 2 + (s % 4);
const sourcesOf = (s: number) => (s % 2 === 0 ? ["us-east-1"] : ["us-east-1", "eu-west-1"]);

// --endpoints E: each record also holds E endpoints (client.endpoints, as `run` writes them since
// dogdriver.run.v2), the i-th with a 1/i share of the 1,200 requests, each with a p95 and noise of its own.
const ENDPOINTS = Number(arg("--endpoints") ?? 0);
const endpointsOf = (p95: number, rand: () => number): EndpointEntry[] => {
  const total = Array.from({ length: ENDPOINTS }, (_, i) => 1 / (i + 1)).reduce((a, b) => a + b, 0);
  return Array.from({ length: ENDPOINTS }, (_, i) => {
    const level = p95 * (0.5 + ((i * 37) % 10) / 10) * Math.exp(0.04 * (rand() - 0.5) * 3.4);
    return {
      name: `GET /api/v1/resource-${i}/{id}`,
      requests: Math.max(1, Math.round(1200 / (i + 1) / total)),
      errors: 0,
      latency_ms: {
        p50: Math.round(level * 500) / 1000,
        p95: Math.round(level * 1000) / 1000,
        p99: Math.round(level * 1300) / 1000,
      },
    };
  });
};

const records = function* (): Generator<RunRecord> {
  const rand = seededRandom(42);
  let n = 0;
  const perService = total / SERVICES;
  for (let s = 0; s < SERVICES; s++) {
    const releases = releasesOf(s);
    const runs = Math.floor(perService * (s + 1)) - Math.floor(perService * s);
    const sources = sourcesOf(s);
    const startMs = Date.parse("2026-01-01T00:00:00.000Z") + s * 1_000;
    for (let i = 0; i < runs; i++) {
      const release = Math.min(releases - 1, Math.floor((i * releases) / runs));
      const source = sources[i % 3 === 2 ? sources.length - 1 : 0] as string;
      // One service in five gets a 15% slower last release; the second source is 30% slower throughout.
      const level =
        (source === "us-east-1" ? 80 : 104) * (release === releases - 1 && s % 5 === 0 ? 1.15 : 1);
      const p95 = level * Math.exp(0.06 * (rand() - 0.5) * 3.4);
      const startedMs = startMs + i * 3 * 3_600_000;
      const base = runRecord(
        `svc-${s.toString().padStart(4, "0")}`,
        `v${release}-${((s * 31 + release) * 7919).toString(16)}`,
        source,
        startedMs,
        p95,
        i % 97 === 0 ? "failed" : "aggregated",
        i % 41 === 0 ? ["topology_changed"] : [],
        n++,
      );
      yield {
        ...base,
        ...(ENDPOINTS > 0 ? { schema: "dogdriver.run.v2" } : {}),
        client: {
          ...base.client,
          rps: 20 * (1 + 0.05 * (rand() - 0.5)),
          error_rate: 0,
          ...(ENDPOINTS > 0 ? { endpoints: endpointsOf(p95, rand) } : {}),
        },
        runner: {
          cpu_pct: 35,
          load_per_core: 0.4,
          lag_ms_p99: 12,
          lag_ms_max: 20,
          molotov_cpu_pct: 30,
          cores: 2,
        },
        ...(base.state === "aggregated"
          ? {
              server: { latency_ms: p95 * 0.4, errors: 0, cpu_pct: 40 + 10 * rand() },
              aggregated_at: new Date(startedMs + 600_000).toISOString(),
            }
          : { reason: "molotov exited 1" }),
        team: "fleet",
      };
    }
  }
};

const writeStore = async (root: string): Promise<number> => {
  // Straight to files (no fsync, no lock): the bench measures report, not the writer, and 100,000 synced
  // renames would take longer than the measurement. Same keys and bodies as putRun writes.
  let written = 0;
  const made = new Set<string>();
  let queue: Promise<unknown>[] = [];
  for (const record of records()) {
    const path = join(root, runKey(record));
    const parent = dirname(path);
    if (!made.has(parent)) {
      await mkdir(parent, { recursive: true });
      made.add(parent);
    }
    // Through the schema, as putRun writes it (keys in the schema's order).
    queue.push(writeFile(path, encodeRecord(checkRecord(record))));
    written++;
    if (queue.length >= WRITE_BATCH) {
      await Promise.all(queue);
      queue = [];
    }
  }
  await Promise.all(queue);
  return written;
};

interface Measured {
  cpuS: number;
  wallS: number;
  rssMb: number;
  sha: string;
  comparisons: number;
}

// One `report` in a child process under GNU time: user+sys CPU, peak RSS, wall; stdout hashed.
const measure = (cli: string, store: string, extra: string[]): Measured => {
  const timing = join(dir, `time-${process.pid}.txt`);
  const out = execFileSync(
    "/usr/bin/time",
    ["-f", "%U %S %M %e", "-o", timing, process.execPath, cli, "report", "--store", store, ...extra],
    { maxBuffer: 1 << 30, cwd: dir, env: { PATH: process.env.PATH ?? "", HOME: dir } },
  );
  return {
    ...parseTime(timing),
    sha: createHash("sha256").update(out).digest("hex").slice(0, 16),
    comparisons: count(out),
  };
};

const parseTime = (path: string) => {
  const [user, sys, rssKb, wall] = readFileSync(path, "utf8").trim().split(/\s+/).slice(-4).map(Number) as [
    number,
    number,
    number,
    number,
  ];
  return { cpuS: user + sys, wallS: wall, rssMb: rssKb / 1024 };
};

const count = (out: Buffer): number => {
  try {
    return (JSON.parse(out.toString("utf8")) as { comparisons: unknown[] }).comparisons.length;
  } catch {
    return -1;
  }
};

const main = async () => {
  const root = join(dir, "store");
  await mkdir(dir, { recursive: true });
  const reuse = keepAt !== undefined && (await stat(join(root, "runs")).catch(() => undefined)) !== undefined;
  const started = Date.now();
  const written = reuse ? Number(await readFile(join(dir, "runs.txt"), "utf8")) : await writeStore(root);
  if (!reuse) await writeFile(join(dir, "runs.txt"), String(written));
  const writeS = (Date.now() - started) / 1000;
  const store = `file://${root}`;
  const lines = [
    `store: ${written.toLocaleString("en")} runs of ${SERVICES.toLocaleString("en")} services in ${dir} (${reuse ? "reused" : `written in ${writeS.toFixed(1)} s`})`,
    "",
    "| build | runs | report --json CPU (user+sys) | peak RSS | wall | comparisons | JSON sha-256 | report --html CPU | --html peak RSS |",
    "|---|---|---|---|---|---|---|---|---|",
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
  for (const cli of clis) {
    const json = measure(cli, store, ["--json"]);
    const html = withHtml
      ? measure(cli, store, ["--html", join(dir, "report.html")])
      : { cpuS: Number.NaN, rssMb: Number.NaN };
    process.stdout.write(
      `| ${cli} | ${written.toLocaleString("en")} | ${json.cpuS.toFixed(2)} s | ${json.rssMb.toFixed(0)} MB | ${json.wallS.toFixed(2)} s | ${json.comparisons} | ${json.sha} | ${html.cpuS.toFixed(2)} s | ${html.rssMb.toFixed(0)} MB |\n`,
    );
  }
  if (keepAt === undefined) await rm(dir, { recursive: true, force: true });
};

await main();
