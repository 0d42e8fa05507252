import { readdir, readFile, readlink } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStore } from "../../src/store/open-store.js";
import type { RunRecord } from "../../src/store/run-record.js";
import { type HttpService, startHttpService } from "../support/http-service.js";
import { service, smokeTest, type Workspace, workspace } from "./runner-fixtures.js";

// Stopping dogdriver mid-run (SIGINT/SIGTERM abort deps.signal, as src/cli.ts does) must stop molotov and every
// process it forked, and record the run as failed with the reason.

/** pid -> process group of every process whose working directory is `dir` (molotov runs in the test dir). */
const processesIn = async (dir: string): Promise<Map<number, number>> => {
  const found = new Map<number, number>();
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if ((await readlink(`/proc/${entry}/cwd`)) !== dir) continue;
      // Field 5 of /proc/PID/stat is the process group; the command name (field 2) may hold spaces.
      const stat = await readFile(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (fields[0] !== "Z") found.set(Number(entry), Number(fields[2]));
    } catch {
      // gone meanwhile, or not ours
    }
  }
  return found;
};

const CLI = fileURLToPath(new URL("../../dist/cli.js", import.meta.url));

/**
 * Waits until molotov and `count - 1` children run in `dir` and the service got load, then for the extension to
 * write its first lines (it flushes every 0.2 s; a -p child's unwritten lines die with it at SIGKILL, so an
 * interrupt right after the first request could leave a record of 0 requests). Returns their groups.
 */
const waitForMolotov = async (dir: string, count: number, target: HttpService) => {
  let seen = new Map<number, number>();
  while (seen.size < count || target.requests() === 0) {
    await new Promise((r) => setTimeout(r, 100));
    seen = await processesIn(dir);
  }
  await new Promise((r) => setTimeout(r, 500));
  return seen;
};

const groupAlive = (pgid: number) => {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
};

describe("interrupting dogdriver run", () => {
  let ws: Workspace;
  let target: HttpService;
  beforeAll(async () => {
    ws = await workspace();
    target = await startHttpService({ delayMs: 5 });
  });
  afterAll(async () => {
    await Promise.all([target.close(), ws.cleanup()]);
  });

  it("kills molotov's whole process group (-p 2) and stores a failed record with the reason", async () => {
    const dir = await ws.testDir("long", smokeTest({ duration: 30, processes: 2, workers: 2 }));
    await ws.config({ store: "file://./store", services: [service("long", target.url, "./long")] });
    const deps = ws.deps();
    const running = ws.run({ services: ["long"] }, deps);

    const seen = await waitForMolotov(dir, 3, target);
    const groups = new Set(seen.values());
    expect(groups.size).toBe(1); // molotov and its two children share one group, not dogdriver's
    const [pgid] = [...groups] as [number];
    expect(pgid).not.toBe(process.pid);
    expect(seen.has(pgid)).toBe(true);

    deps.abort.abort(new Error("interrupted by SIGTERM"));
    const { exit } = await running;
    expect(exit).toBe(5);
    expect(groupAlive(pgid)).toBe(false);
    expect((await processesIn(dir)).size).toBe(0);
    const requestsAtStop = target.requests();
    await new Promise((r) => setTimeout(r, 300));
    expect(target.requests()).toBe(requestsAtStop); // no orphan still sending load

    const stored: RunRecord[] = [];
    for await (const r of openStore("file://./store", deps).listRuns()) stored.push(r);
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({
      state: "failed",
      reason: "interrupted by SIGTERM: molotov was stopped",
    });
    expect(stored[0]?.client.requests).toBeGreaterThan(0);
    expect(Date.parse(stored[0]?.ended_at ?? "") - Date.parse(stored[0]?.started_at ?? "")).toBeLessThan(
      30_000,
    );
  });

  // The built CLI running one 30-second load test with two molotov processes, once molotov is under way.
  const startCliRun = async (name: string) => {
    const dir = await ws.testDir(name, smokeTest({ duration: 30, processes: 2, workers: 2 }));
    await ws.config({ store: "file://./store", services: [service(name, target.url, `./${name}`)] });
    const child = execa(process.execPath, [CLI, "run", name], {
      cwd: ws.dir,
      env: { PATH: process.env.PATH, HOME: ws.dir, DOGDRIVER_CACHE_DIR: `${ws.dir}/cache` },
      extendEnv: false,
      reject: false,
    });
    return { dir, child, seen: await waitForMolotov(dir, 3, target) };
  };

  // The built CLI (npm test builds it first): SIGTERM to the dogdriver process itself, as a scheduler would send.
  it("SIGTERM to the dogdriver process: exit 5, no molotov left, failed record", async () => {
    const { dir, child, seen } = await startCliRun("cli");
    child.kill("SIGTERM");
    const result = await child;
    expect(result.stderr).toContain("dogdriver: SIGTERM received, stopping");
    expect(result.stderr).toContain("cli/test: FAILED 1.0.0: interrupted by SIGTERM: molotov was stopped");
    expect(result.exitCode).toBe(5);
    for (const pgid of new Set(seen.values())) expect(groupAlive(pgid)).toBe(false);
    expect((await processesIn(dir)).size).toBe(0);
    const stored: RunRecord[] = [];
    for await (const r of openStore("file://./store", ws.deps()).listRuns({ service: "cli" })) stored.push(r);
    expect(stored).toMatchObject([
      { state: "failed", reason: "interrupted by SIGTERM: molotov was stopped" },
    ]);
  });

  // SIGKILL leaves dogdriver no chance to signal molotov's group: molotov must notice on its own.
  it("SIGKILL to the dogdriver process: no molotov left sending load", async () => {
    const { dir, child, seen } = await startCliRun("killed");
    child.kill("SIGKILL");
    await child;
    const groups = [...new Set(seen.values())];
    for (let waited = 0; waited < 10_000 && groups.some(groupAlive); waited += 100)
      await new Promise((r) => setTimeout(r, 100));
    for (const pgid of groups) expect(groupAlive(pgid)).toBe(false);
    expect((await processesIn(dir)).size).toBe(0);
    const requestsAfter = target.requests();
    await new Promise((r) => setTimeout(r, 300));
    expect(target.requests()).toBe(requestsAfter);
  });
});
