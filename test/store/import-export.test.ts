import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { runKey } from "../../src/store/keys.js";
import { openStore } from "../../src/store/open-store.js";
import type { RunRecord } from "../../src/store/run-record.js";
import { type TestDeps, testDeps } from "../support/deps.js";
import { type S3TestServer, startS3Server } from "../support/s3-server.js";
import { manyRuns, sampleRun } from "./fixtures.js";

let server: S3TestServer;
let dir: string;
beforeAll(async () => {
  [server, dir] = await Promise.all([startS3Server(), mkdtemp(join(tmpdir(), "dogdriver-import-"))]);
});
afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

/** Runs the real CLI function for argv; `stdin` feeds `import -`. */
const cli = async (argv: string[], stdin?: string): Promise<{ code: number; deps: TestDeps }> => {
  const deps = testDeps({
    cwd: dir,
    env: server.env,
    ...(stdin === undefined
      ? {}
      : {
          stdin: (async function* () {
            yield Buffer.from(stdin);
          })(),
        }),
  });
  return { code: await main(argv, deps, "0.0.0-test"), deps };
};

const lines = (records: readonly unknown[]) => records.map((r) => `${JSON.stringify(r)}\n`).join("");

const storedKeys = async (url: string): Promise<string[]> => {
  const store = openStore(url, testDeps({ cwd: dir, env: server.env }));
  const keys: string[] = [];
  for await (const key of store.listRunKeys()) keys.push(key);
  store.close?.();
  return keys;
};

describe("dogdriver import", () => {
  it("stores each record once, however often the file is imported", async () => {
    const runs = manyRuns(12);
    await writeFile(join(dir, "runs.jsonl"), lines(runs));
    const first = await cli(["import", "runs.jsonl", "--store", "file://once"]);
    expect(first.code).toBe(0);
    expect(first.deps.stderr.text()).toMatch(
      /imported 12 runs into file:\/\/.*once: 12 created, 0 unchanged, 0 updated/,
    );
    const second = await cli(["import", "runs.jsonl", "--store", "file://once"]);
    expect(second.code).toBe(0);
    expect(second.deps.stderr.text()).toMatch(/12 runs .*: 0 created, 12 unchanged, 0 updated/);
    expect(await storedKeys("file://once")).toEqual(runs.map(runKey).sort());
    expect(first.deps.stdout.text()).toBe("");
  });

  it("--json: the import summary as JSON on stdout; --quiet: nothing on stderr; export --json on stderr", async () => {
    await writeFile(join(dir, "json.jsonl"), lines(manyRuns(3)));
    const imported = await cli(["import", "json.jsonl", "--store", "file://json", "--json", "--quiet"]);
    expect(imported.code).toBe(0);
    expect(JSON.parse(imported.deps.stdout.text())).toMatchObject({
      imported: 3,
      created: 3,
      unchanged: 0,
      updated: 0,
      kept: 0,
      invalid_lines: 0,
      repeated: 0,
    });
    expect(imported.deps.stderr.text()).toBe("");
    const quiet = await cli(["import", "json.jsonl", "--store", "file://json", "--quiet"]);
    expect([quiet.code, quiet.deps.stdout.text(), quiet.deps.stderr.text()]).toEqual([0, "", ""]);
    const exported = await cli(["export", "--store", "file://json", "--json"]);
    expect(exported.deps.stdout.text().trim().split("\n")).toHaveLength(3);
    expect(JSON.parse(exported.deps.stderr.text())).toMatchObject({ exported: 3, unreadable_skipped: 0 });
  });

  it("reports every bad line with its number, exits 3 and writes nothing", async () => {
    const text = [
      JSON.stringify(sampleRun()),
      JSON.stringify({ ...sampleRun({ id: "B" }), client: { requests: "many" } }),
      "",
      "{not json",
      JSON.stringify(sampleRun({ id: "D", service: "../../etc" })),
      JSON.stringify(
        sampleRun({ id: "E", started_at: "2026-11-24T10:05:00Z", ended_at: "2026-11-24T10:00:00Z" }),
      ),
    ].join("\r\n");
    await writeFile(join(dir, "bad.jsonl"), `\uFEFF${text}`);
    const { code, deps } = await cli(["import", "bad.jsonl", "--store", "file://bad"]);
    expect(code).toBe(3);
    const err = deps.stderr.text();
    expect(err).toContain("bad.jsonl: 4 of 5 lines are not valid run records; nothing imported");
    expect(err).toMatch(/line 2: client\.requests: expected a number, got a string$/m);
    expect(err).toMatch(/line 2: client\.latency_ms: /);
    expect(err).toMatch(/line 4: not valid JSON/);
    expect(err).toMatch(/line 5: service: expected a lowercase service name/);
    expect(err).toMatch(/line 6: ended_at: ended_at is before started_at/);
    expect(err).not.toMatch(/line 1:/);
    expect(await storedKeys("file://bad")).toEqual([]);

    const skipping = await cli(["import", "bad.jsonl", "--skip-invalid", "--store", "file://bad"]);
    expect(skipping.code).toBe(0);
    expect(skipping.deps.stderr.text()).toMatch(/warning: bad\.jsonl: skipped line 4: not valid JSON/);
    expect(skipping.deps.stderr.text()).toMatch(/imported 1 runs .*1 created.*4 invalid lines skipped/);
    expect(await storedKeys("file://bad")).toEqual([runKey(sampleRun())]);
  });

  it("keeps the last of repeated lines for one run", async () => {
    const text = lines([sampleRun(), sampleRun({ state: "aggregated" }), sampleRun({ version: "9.9.9" })]);
    const { code, deps } = await cli(["import", "-", "--store", "file://repeated"], text);
    expect(code).toBe(0);
    expect(deps.stderr.text()).toMatch(/imported 1 runs .*1 created.*2 repeated runs/);
    const store = openStore("file://repeated", testDeps({ cwd: dir }));
    expect((await store.getRun(runKey(sampleRun())))?.version).toBe("9.9.9");
  });

  it("leaves runs the store has already aggregated alone when an older export has them pending", async () => {
    const pending = manyRuns(3);
    await cli(["import", "-", "--store", "file://reimport"], lines(pending));
    const aggregated = { ...pending[1], state: "aggregated", server: { latency_ms: 30.1 } } as RunRecord;
    await cli(["import", "-", "--store", "file://reimport"], lines([aggregated]));
    const again = await cli(["import", "-", "--store", "file://reimport"], lines(pending));
    expect(again.code).toBe(0);
    expect(again.deps.stderr.text()).toMatch(
      /0 created, 2 unchanged, 0 updated; 1 pending runs not imported \(the store has them aggregated or failed already\)/,
    );
    const store = openStore("file://reimport", testDeps({ cwd: dir }));
    expect(await store.getRun(runKey(aggregated))).toEqual(aggregated);
  });

  it("says which file it cannot read", async () => {
    const { code, deps } = await cli(["import", "missing.jsonl", "--store", "file://x"]);
    expect(code).toBe(3);
    expect(deps.stderr.text()).toMatch(/missing\.jsonl: cannot read .*no such file/);
  });
});

describe("dogdriver export", () => {
  it("moves records file -> S3 -> file unchanged, and importing twice stores each once", async () => {
    const runs: RunRecord[] = manyRuns(30).map((run, i) =>
      i % 3 === 0
        ? {
            ...run,
            state: "aggregated",
            server: { latency_ms: i, cpu_pct: null },
            extra_field: { kept: true },
          }
        : run,
    );
    await cli(["import", "-", "--store", "file://A"], lines(runs));
    const fromA = await cli(["export", "--store", "file://A"]);
    expect(fromA.code).toBe(0);
    expect(fromA.deps.stderr.text()).toMatch(/exported 30 runs from file:\/\/.*\/A/);
    const exported = fromA.deps.stdout.text();
    expect(
      exported
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line)),
    ).toEqual([...runs].sort((a, b) => (runKey(a) < runKey(b) ? -1 : 1)));

    const s3 = `s3://${server.bucket}/migrated`;
    const intoS3 = await cli(["import", "-", "--store", s3], exported);
    expect(intoS3.code).toBe(0);
    expect(intoS3.deps.stderr.text()).toMatch(/30 created/);
    const again = await cli(["import", "-", "--store", s3], exported);
    expect(again.deps.stderr.text()).toMatch(/0 created, 30 unchanged, 0 updated/);
    expect(await storedKeys(s3)).toHaveLength(30);

    const fromS3 = await cli(["export", "--store", s3]);
    expect(fromS3.deps.stdout.text()).toBe(exported);
    await cli(["import", "-", "--store", "file://B"], fromS3.deps.stdout.text());
    const fromB = await cli(["export", "--store", "file://B"]);
    expect(fromB.deps.stdout.text()).toBe(exported);
  });

  it("keeps dogdriver.run.v1 records as they were next to v2 records with endpoints", async () => {
    const [v1, v2base] = manyRuns(2);
    if (v1 === undefined || v2base === undefined) throw new Error("two runs expected");
    const v2: RunRecord = {
      ...v2base,
      schema: "dogdriver.run.v2",
      client: {
        ...v2base.client,
        endpoints: [
          {
            name: "GET /items/{id}",
            requests: 1000,
            errors: 2,
            latency_ms: { p50: 20.1, p95: 24.5, p99: 30.2 },
          },
          {
            name: "other",
            other: true,
            requests: 234,
            errors: 1,
            latency_ms: { p50: 11, p95: 12, p99: 13 },
          },
        ],
      },
    };
    const input = lines([v1, v2]);
    expect((await cli(["import", "-", "--store", "file://mixed"], input)).code).toBe(0);
    // The v1 record's stored bytes are what dogdriver wrote before endpoints existed.
    const stored = await readFile(join(dir, "mixed", runKey(v1)), "utf8");
    expect(stored).toBe(`${JSON.stringify(v1, null, 2)}\n`);
    const exported = (await cli(["export", "--store", "file://mixed"])).deps.stdout.text();
    expect(exported).toBe(input);
  });

  it("exports one service or env", async () => {
    await cli(
      ["import", "-", "--store", "file://filtered"],
      lines(manyRuns(8, ["kinto", "web"], ["prod", "stage"])),
    );
    const ids = async (argv: string[]) =>
      (await cli(["export", "--store", "file://filtered", ...argv])).deps.stdout
        .text()
        .trim()
        .split("\n")
        .map((line) => {
          const r = JSON.parse(line) as RunRecord;
          return `${r.service}/${r.env}`;
        });
    expect(new Set(await ids(["--service", "web"]))).toEqual(new Set(["web/prod", "web/stage"]));
    expect(new Set(await ids(["--env", "prod"]))).toEqual(new Set(["kinto/prod", "web/prod"]));
    expect(await ids(["--service", "kinto", "--env", "stage"])).toEqual(["kinto/stage", "kinto/stage"]);
    const bad = await cli(["export", "--store", "file://filtered", "--service", "../etc"]);
    expect(bad.code).toBe(3);
    expect(bad.deps.stderr.text()).toMatch(/service: expected lowercase letters/);
  });

  it("fails (exit 1) when a stored object cannot be exported, after exporting the rest", async () => {
    await cli(["import", "-", "--store", "file://damaged"], lines([sampleRun()]));
    await mkdir(join(dir, "damaged/runs/kinto/stage"), { recursive: true });
    await writeFile(join(dir, "damaged/runs/kinto/stage/2026-01-01T00:00:00.000Z_X.json"), "{");
    const { code, deps } = await cli(["export", "--store", "file://damaged"]);
    expect(code).toBe(1);
    expect(deps.stdout.text().trim().split("\n")).toHaveLength(1);
    expect(deps.stderr.text()).toMatch(
      /warning: skipped runs\/kinto\/stage\/2026-01-01T00:00:00.000Z_X.json: .*not valid JSON/,
    );
    expect(await readdir(join(dir, "damaged/runs/kinto/stage"))).toHaveLength(2);
  });
});
