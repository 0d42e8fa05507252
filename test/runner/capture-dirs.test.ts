import { execFileSync } from "node:child_process";
import { mkdir, readdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type HttpService, startHttpService } from "../support/http-service.js";
import { service, smokeTest, type Workspace, workspace } from "./runner-fixtures.js";

// A run killed with SIGKILL leaves its capture directory in the temporary directory; the next run removes the
// directories whose owner process is gone and leaves those of live runs (and its own, until it ends).

const isRunning = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
};

describe("capture directories of killed runs", () => {
  let ws: Workspace;
  let target: HttpService;
  beforeAll(async () => {
    ws = await workspace();
    target = await startHttpService({ delayMs: 2 });
    await ws.testDir("t", smokeTest({ workers: 1 }));
    await ws.config({ store: "file://./store", services: [service("svc", target.url, "./t")] });
  });
  afterAll(async () => {
    await Promise.all([target.close(), ws.cleanup()]);
  });

  it("are removed by the next run when their process is gone, kept while it lives", async () => {
    // A pid that was a process a moment ago and is not any more.
    const deadPid = Number(execFileSync("sh", ["-c", "sh -c 'echo $$'"], { encoding: "utf8" }).trim());
    expect(isRunning(deadPid)).toBe(false);
    const dead = join(tmpdir(), `dogdriver-run-${deadPid}-Xk3q9z`);
    const alive = join(tmpdir(), `dogdriver-run-${process.ppid}-Lv8w2a`);
    for (const dir of [dead, alive]) {
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, "samples.jsonl"), "{}\n");
    }
    const deps = ws.deps();
    deps.processes = { pid: process.pid, isRunning };
    const { exit } = await ws.run({ services: ["svc"] }, deps);
    expect(exit).toBe(0);
    const left = (await readdir(tmpdir())).filter((n) => n.startsWith("dogdriver-run-"));
    expect(left).not.toContain(`dogdriver-run-${deadPid}-Xk3q9z`);
    expect(left).toContain(`dogdriver-run-${process.ppid}-Lv8w2a`);
    // This run's own directory was named after it and removed at its end.
    expect(left.filter((n) => n.startsWith(`dogdriver-run-${process.pid}-`))).toEqual([]);
    execFileSync("rm", ["-rf", alive]);
  });
});
