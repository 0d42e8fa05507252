import { readdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStore } from "../../src/store/open-store.js";
import type { RunRecord } from "../../src/store/run-record.js";
import { type HttpService, startHttpService } from "../support/http-service.js";
import { service, smokeTest, type Workspace, workspace } from "./runner-fixtures.js";

// A finished run is never lost: when the store cannot be written, the record waits in the local spool and is
// delivered by the next run.

describe("spooling records when the store is unreachable", () => {
  let ws: Workspace;
  let target: HttpService;
  beforeAll(async () => {
    ws = await workspace();
    target = await startHttpService({ delayMs: 2 });
  });
  afterAll(async () => {
    await Promise.all([target.close(), ws.cleanup()]);
  });

  const stored = async () => {
    const out: RunRecord[] = [];
    for await (const r of openStore("file://./store", ws.deps()).listRuns()) out.push(r);
    return out;
  };

  it("keeps the record in the spool (exit 1) and delivers it at the next run", async () => {
    await ws.testDir("spooled", smokeTest({ workers: 1 }));
    await ws.config({ store: "file://./store", services: [service("spooled", target.url, "./spooled")] });
    // A plain file where the store's directory should be: every write fails.
    await writeFile(join(ws.dir, "store"), "not a directory");

    const first = await ws.run({ services: ["spooled"], json: true });
    expect(first.exit).toBe(1);
    const record = JSON.parse(first.deps.stdout.text()) as RunRecord;
    expect(first.deps.stderr.text()).toContain(
      `store file://${join(ws.dir, "store")} could not take run ${record.id} (`,
    );
    expect(first.deps.stderr.text()).toContain(
      `kept in ${join(ws.dir, "spool", `${record.id}.json`)} for the next run`,
    );
    expect(await readdir(join(ws.dir, "spool"))).toEqual([`${record.id}.json`]);

    await rm(join(ws.dir, "store"));
    const second = await ws.run({ services: ["spooled"], json: true });
    expect(second.exit).toBe(0);
    expect(second.deps.stderr.text()).toContain(
      `delivered spooled run spooled/test ${record.started_at} (${record.id})`,
    );
    expect(await readdir(join(ws.dir, "spool"))).toEqual([]);
    const runs = await stored();
    expect(runs).toHaveLength(2);
    expect(runs.find((r) => r.id === record.id)).toEqual(record);
  });
});
