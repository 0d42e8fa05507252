import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { execa } from "execa";
import { startSampleService } from "../src/runner/sample-service.js";
import { runKey } from "../src/store/keys.js";
import { openStore } from "../src/store/open-store.js";
import type { RunRecord } from "../src/store/run-record.js";
import { type Emulator, startDatadogEmulator } from "../test/support/datadog-emulator/index.js";

// Hostile checks against the real CLI (dist/cli.js) and real parts on 127.0.0.1: a wrong Datadog key,
// SIGKILL at random points of `aggregate` and `run`, version endpoints that trickle or never end, a store and a
// spool that both refuse. For each: how many trials, and what was lost. Numbers go to docs/reliability.md.
// Run: npx tsc -p tsconfig.json && npx tsc -p bench/tsconfig.json && node .tmp/bench/bench/hostile.js [--trials N]

const CLI = resolve(import.meta.dirname, "../../../dist/cli.js");
const trialsArg = process.argv.indexOf("--trials");
const KILLS = trialsArg > 0 ? Number(process.argv[trialsArg + 1]) : 20;
const MINUTE = 60_000;
const base = await mkdtemp(join(tmpdir(), "dogdriver-hostile-"));
const dd: Emulator = await startDatadogEmulator();
const rows: string[] = [];
const row = (what: string, trials: number, lost: number, note: string) => {
  rows.push(`| ${what} | ${trials} | ${lost} | ${note} |`);
  process.stderr.write(`${what}: ${trials} trials, lost ${lost} (${note})\n`);
};
const quietEnv = { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true", PATH: process.env.PATH ?? "" };
const ddEnv = { DD_API_KEY: dd.apiKey, DD_APP_KEY: dd.appKey, DOGDRIVER_DD_URL: dd.url };
const cli = (args: string[], cwd: string, env: Record<string, string>, timeout = 120_000) =>
  execa(process.execPath, [CLI, ...args], {
    cwd,
    env: { ...quietEnv, ...env },
    extendEnv: false,
    reject: false,
    timeout,
  });

let seq = 0;
const pending = (service: string, version: string, startMs: number): RunRecord => ({
  schema: "dogdriver.run.v1",
  id: `01JH${String(++seq).padStart(22, "0")}`,
  service,
  env: "stage",
  version,
  source: "hostile",
  test: "dogdriver",
  started_at: new Date(startMs).toISOString(),
  ended_at: new Date(startMs + 30_000).toISOString(),
  state: "pending",
  client: {
    requests: 100,
    errors: 0,
    rps: 3,
    latency_ms: { p50: 1, p75: 1, p90: 1, p95: 2, p99: 3, max: 4, mean: 1 },
  },
});

/** A store with `n` settled pending runs of one service (two releases) and its config; returns the records. */
const aggregateStore = async (name: string, n: number) => {
  const dir = join(base, name);
  await mkdir(dir, { recursive: true });
  const url = `file://${join(dir, "store")}`;
  const service = `svc-${name}`;
  await writeFile(
    join(dir, "dogdriver.config.json"),
    JSON.stringify({
      store: url,
      source: "hostile",
      services: [
        {
          name: service,
          env: "stage",
          endpoint: "http://127.0.0.1:9",
          version: "x",
          test: { repo: "/nonexistent" },
          queries: { lat: `avg:app.latency{service:${service}}` },
        },
      ],
    }),
  );
  const store = openStore(url, { cwd: dir, env: {} } as never);
  const now = Date.now();
  const runs = Array.from({ length: n }, (_, i) =>
    pending(service, i < n / 2 ? "1.0" : "2.0", now - (40 - i) * MINUTE),
  );
  for (const r of runs) await store.putRun(r);
  return { dir, url, service, runs, store };
};

/** Lost: a run not aggregated, a run without its p95 point in Datadog, a release event missing or doubled. */
const lostIn = async (s: Awaited<ReturnType<typeof aggregateStore>>) => {
  let lost = 0;
  let doubled = 0;
  for (const r of s.runs) {
    const stored = await s.store.getRun(runKey(r));
    const point = dd
      .points()
      .some(
        (p) =>
          p.metric === "dogdriver.run.latency.p95" &&
          p.timestamp === Math.floor(Date.parse(r.started_at) / 1000) &&
          p.tags.includes(`service:${r.service}`),
      );
    if (stored?.state !== "aggregated" || !point) lost += 1;
  }
  for (const v of ["1.0", "2.0"]) {
    const n = dd.events().filter((e) => e.title === `${s.service} stage: release ${v} first seen`).length;
    if (n === 0) lost += 1;
    if (n > 1) doubled += n - 1;
  }
  return { lost, doubled };
};

// 1. A wrong key, then the right one.
{
  let lost = 0;
  let wrongExits = 0;
  let pendingAfterWrong = 0;
  const trials = 5;
  for (let t = 0; t < trials; t += 1) {
    const s = await aggregateStore(`wrongkey-${t}`, 6);
    const wrong = await cli(["aggregate"], s.dir, {
      ...ddEnv,
      DD_API_KEY: "00000000000000000000000000000000",
    });
    if (
      wrong.exitCode === 1 &&
      /DD_API_KEY/.test(wrong.stderr) &&
      !wrong.stderr.includes("00000000000000000000000000000000")
    )
      wrongExits += 1;
    for (const r of s.runs)
      if ((await s.store.getRun(runKey(r)))?.state === "pending") pendingAfterWrong += 1;
    await cli(["aggregate"], s.dir, ddEnv);
    lost += (await lostIn(s)).lost;
  }
  row(
    "`aggregate` with a wrong DD_API_KEY, then the right one",
    trials,
    lost,
    `${wrongExits}/${trials} exit 1 naming DD_API_KEY (never its value); ${pendingAfterWrong}/${trials * 6} runs still pending after the wrong key; all completed after the right one`,
  );
}

// 2. SIGKILL at a random moment of `aggregate`, then aggregate again (Datadog answering slowly, so kills land mid-flight).
{
  let lost = 0;
  let doubledEvents = 0;
  let killedMidway = 0;
  for (let t = 0; t < KILLS; t += 1) {
    const s = await aggregateStore(`kill-${t}`, 8);
    const child = cli(["aggregate"], s.dir, ddEnv);
    await new Promise((r) => setTimeout(r, 200 + Math.random() * 1500));
    if (child.exitCode === undefined || child.exitCode === null) killedMidway += 1;
    child.kill("SIGKILL");
    await child;
    const again = await cli(["aggregate", "--settle", "1s"], s.dir, ddEnv);
    if (again.exitCode !== 0) process.stderr.write(again.stderr);
    const { lost: l, doubled } = await lostIn(s);
    lost += l;
    doubledEvents += doubled;
  }
  row(
    "`kill -9` at a random moment (0.2-1.7 s) of `aggregate`, then `aggregate` again",
    KILLS,
    lost,
    `${killedMidway} killed while running; ${doubledEvents} release events posted twice (the documented at-least-once window)`,
  );
}

// 3. Version endpoints that trickle or never end.
const hostile = createServer((req, res) => {
  res.writeHead(200, { "content-type": "application/json" });
  const chunk = req.url === "/endless" ? " ".repeat(65_536) : " ";
  const timer = setInterval(() => res.write(chunk), req.url === "/endless" ? 1 : 500);
  req.socket.on("close", () => clearInterval(timer));
});
await new Promise<void>((r) => hostile.listen(0, "127.0.0.1", r));
const hostileUrl = `http://127.0.0.1:${(hostile.address() as AddressInfo).port}`;
const target = await startSampleService({ delayMs: 2 });
const runDir = join(base, "run");
await mkdir(join(runDir, "t"), { recursive: true });
await writeFile(
  join(runDir, "t", "molotov.json"),
  JSON.stringify({ molotov: { tests: { dogdriver: { duration: 1, workers: 1 } } } }),
);
await writeFile(
  join(runDir, "t", "loadtest.py"),
  'import os\nimport molotov\n\n@molotov.scenario(weight=100)\nasync def get_it(session):\n    async with session.get(os.environ["DOGDRIVER_ENDPOINT"] + "/") as resp:\n        assert resp.status < 500\n',
);
const runConfig = (name: string, extra: Record<string, unknown>) =>
  writeFile(
    join(runDir, `${name}.json`),
    JSON.stringify({
      store: "file://./store",
      services: [{ name: "svc", env: "stage", endpoint: target.url, test: { repo: "./t" }, ...extra }],
    }),
  );
for (const [name, path, expected] of [
  ["trickle", "/trickle", 5],
  ["endless", "/endless", 3],
] as const) {
  await runConfig(name, { version: { url: `${hostileUrl}${path}` } });
  const trials = 3;
  let ok = 0;
  let slowest = 0;
  for (let t = 0; t < trials; t += 1) {
    const start = Date.now();
    const r = await cli(["--config", `${name}.json`, "run", "--all"], runDir, { HOME: runDir }, 60_000);
    slowest = Math.max(slowest, Date.now() - start);
    if (r.exitCode === expected) ok += 1;
  }
  row(
    `\`run\` with a version endpoint that ${name === "trickle" ? "trickles a byte every 0.5 s" : "streams spaces for ever"}`,
    trials,
    0,
    `${ok}/${trials} exit ${expected}; slowest ${Math.round(slowest / 100) / 10} s`,
  );
}

// 4. A store and a spool that both refuse: the record comes out on stdout and imports.
{
  await writeFile(join(runDir, "plain-file"), "not a directory");
  await runConfig("nostore", { version: "1.0" });
  const conf = JSON.parse(
    await (await import("node:fs/promises")).readFile(join(runDir, "nostore.json"), "utf8"),
  );
  conf.store = "file://./plain-file/store";
  await writeFile(join(runDir, "nostore.json"), JSON.stringify(conf));
  const trials = 3;
  let lost = 0;
  for (let t = 0; t < trials; t += 1) {
    const r = await cli(
      ["--config", "nostore.json", "run", "--all"],
      runDir,
      { HOME: runDir, DOGDRIVER_SPOOL_DIR: "/proc/dogdriver-spool" },
      60_000,
    );
    await writeFile(join(runDir, `rescued-${t}.jsonl`), r.stdout);
    const imported = await cli(["import", `rescued-${t}.jsonl`, "--store", `file://./rescued-${t}`], runDir, {
      HOME: runDir,
    });
    const back: RunRecord[] = [];
    for await (const rec of openStore(`file://${join(runDir, `rescued-${t}`)}`, {
      cwd: runDir,
      env: {},
    } as never).listRuns())
      back.push(rec);
    if (r.exitCode !== 1 || imported.exitCode !== 0 || back.length !== 1) lost += 1;
  }
  row(
    "`run` with the store and the spool unusable (spool under /proc)",
    trials,
    lost,
    "record printed on stdout, exit 1, imported with `dogdriver import`",
  );
}

// 5. SIGKILL during `run`: the next run removes the capture directory.
{
  await runConfig("kill", { version: "1.0" });
  const trials = 3;
  let left = 0;
  for (let t = 0; t < trials; t += 1) {
    const child = cli(["--config", "kill.json", "run", "--all"], runDir, { HOME: runDir }, 60_000);
    await new Promise((r) => setTimeout(r, 2500 + Math.random() * 1000));
    child.kill("SIGKILL");
    await child;
    const pid = child.pid;
    await cli(["--config", "kill.json", "run", "--all"], runDir, { HOME: runDir }, 60_000);
    left += (await readdir(tmpdir())).filter((n) => n.startsWith(`dogdriver-run-${pid}-`)).length;
  }
  row(
    "`kill -9` during `run`, then `run` again",
    trials,
    0,
    `${left} capture directories of the killed runs left after the next run`,
  );
}

hostile.closeAllConnections();
hostile.close();
await target.close();
await dd.close();
await rm(base, { recursive: true, force: true });
process.stdout.write(`| check | trials | lost | notes |\n|---|---|---|---|\n${rows.join("\n")}\n`);
