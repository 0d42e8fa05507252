import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { reportCommand } from "../../src/report/report-command.js";
import { importCommand } from "../../src/store/import-command.js";
import { openStore } from "../../src/store/open-store.js";
import type { RunRecord } from "../../src/store/run-record.js";
import { type HttpService, startHttpService } from "../support/http-service.js";
import { service, smokeTest, type Workspace, workspace } from "./runner-fixtures.js";

// A version is the service's text: it reaches neither the store nor the terminal raw (docs/run-record.md).

const HOSTILE = "1.0\n\u001b[31mRED";
const ESCAPED = "1.0\\u{a}\\u{1b}[31mRED";
// Any C0/C1 control character (ESC included) but the newline that ends each line.
const CONTROL = /[^\P{Cc}\n]/u;

describe("text from a service", () => {
  let ws: Workspace;
  let target: HttpService;
  beforeAll(async () => {
    ws = await workspace();
    target = await startHttpService({ delayMs: 2, version: HOSTILE });
    await ws.testDir("t", smokeTest({ workers: 1 }));
    await ws.config({ store: "file://./store", services: [service("svc", target.url, "./t")] });
  });
  afterAll(async () => {
    await Promise.all([target.close(), ws.cleanup()]);
  });

  it("a version with a newline and an escape sequence is stored and printed escaped by run and report", async () => {
    const run = await ws.run({ services: ["svc"], json: true });
    expect(run.exit).toBe(0);
    expect(run.deps.stderr.text()).toContain(`(version ${ESCAPED})`);
    expect(run.deps.stderr.text()).not.toMatch(CONTROL);
    const printed = JSON.parse(run.deps.stdout.text()) as RunRecord;
    expect(printed.version).toBe(ESCAPED);
    const stored: RunRecord[] = [];
    for await (const r of openStore("file://./store", ws.deps()).listRuns()) stored.push(r);
    expect(stored.map((r) => r.version)).toEqual([ESCAPED]);

    const deps = ws.deps();
    await reportCommand({}, deps);
    expect(deps.stdout.text() + deps.stderr.text()).not.toMatch(CONTROL);
  });

  it("an imported record with raw control characters is stored escaped", async () => {
    const record = {
      schema: "dogdriver.run.v1",
      id: "01JD0000000000000000000042",
      service: "imp",
      env: "test",
      version: HOSTILE,
      source: "ci",
      test: "dogdriver\u001b]0;title\u0007",
      started_at: "2026-11-24T10:00:00.000Z",
      ended_at: "2026-11-24T10:01:00.000Z",
      state: "failed",
      reason: "boom\u001b[2J",
      client: {
        requests: 1,
        errors: 0,
        rps: 1,
        latency_ms: { p50: 1, p75: 1, p90: 1, p95: 1, p99: 1, max: 1, mean: 1 },
      },
    };
    const file = join(ws.dir, "hostile.jsonl");
    await writeFile(file, `${JSON.stringify(record)}\n`);
    const deps = ws.deps();
    expect(await importCommand({ file, store: "file://./imported" }, deps)).toBe("ok");
    const stored: RunRecord[] = [];
    for await (const r of openStore("file://./imported", ws.deps()).listRuns()) stored.push(r);
    expect(stored[0]).toMatchObject({
      version: ESCAPED,
      test: "dogdriver\\u{1b}]0;title\\u{7}",
      reason: "boom\\u{1b}[2J",
    });
  });
});
