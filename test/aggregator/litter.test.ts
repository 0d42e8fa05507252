import { mkdir, readdir, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runKey } from "../../src/store/keys.js";
import { openStore } from "../../src/store/open-store.js";
import { testDeps } from "../support/deps.js";
import { aggregateWith, datadogEnv, pendingRun, useHarness, writeConfig } from "./fixtures.js";

// A writer killed mid-write leaves a temporary file or a lock directory in a file store; `aggregate` removes
// those older than the claim lease (15 min) and leaves younger ones (a live writer holds them milliseconds).

const h = useHarness("litter");

describe("litter in a file store", () => {
  it("aggregate removes temporary files and locks older than the lease, and only those", async () => {
    const dir = join(h.root, "store");
    const url = `file://${dir}`;
    const store = openStore(url, testDeps({ cwd: h.root }));
    const config = await writeConfig(url, ["svc"]);
    const run = pendingRun({ service: "svc", version: "1.0.0", startMs: h.clock.now() - 20 * 60_000 });
    await store.putRun(run);
    const runsDir = join(dir, "runs", "svc", "stage");
    const outboxDir = join(dir, "_dogdriver", "outbox", "run");
    await mkdir(outboxDir, { recursive: true });
    const old = new Date(Date.now() - 16 * 60_000);
    const litter = {
      staleTmp: join(runsDir, ".x.json.0a1b2c.tmp"),
      staleLock: join(outboxDir, ".y.json.lock"),
      staleBreak: join(outboxDir, ".y.json.lock.break"),
      freshTmp: join(runsDir, ".z.json.3d4e5f.tmp"),
      freshLock: join(outboxDir, ".w.json.lock"),
    };
    await writeFile(litter.staleTmp, "half a record");
    await writeFile(litter.freshTmp, "being written");
    for (const lock of [litter.staleLock, litter.staleBreak, litter.freshLock]) await mkdir(lock);
    for (const path of [litter.staleTmp, litter.staleLock, litter.staleBreak]) await utimes(path, old, old);

    const result = await aggregateWith(h, config, datadogEnv(h.dd));
    expect(result.outcome).toBe("ok");
    expect(result.stderr).toContain("removed 3 temporary file(s) and lock(s) left by killed writers");
    expect((await readdir(runsDir)).filter((n) => n.startsWith("."))).toEqual([".z.json.3d4e5f.tmp"]);
    expect((await readdir(outboxDir)).filter((n) => n.startsWith("."))).toEqual([".w.json.lock"]);
    expect((await store.getRun(runKey(run)))?.state).toBe("aggregated");
  });
});
