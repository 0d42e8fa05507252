import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { aggregateCommand } from "../../src/aggregator/aggregate-command.js";
import { scheduleCommand } from "../../src/schedule/schedule-command.js";
import { cronScheduler, type Scheduler } from "../../src/schedule/scheduler.js";
import type { Outcome } from "../../src/state/outcome.js";
import { testDeps } from "../support/deps.js";

const configDir = async (schedule: Record<string, string>) => {
  const dir = await mkdtemp(join(tmpdir(), "dogdriver-schedule-"));
  await writeFile(
    join(dir, "dogdriver.config.json"),
    JSON.stringify({
      schedule,
      services: [
        { name: "kinto", env: "stage", endpoint: "http://127.0.0.1:9", test: { repo: "./loadtests" } },
      ],
    }),
  );
  return dir;
};

/** A scheduler whose ticks the test fires. */
const handScheduler = () => {
  const ticks = new Map<string, () => void>();
  const scheduler: Scheduler = {
    schedule: (cron, tick) => {
      ticks.set(cron, tick);
      return { cancel: () => ticks.delete(cron), nextMs: () => undefined };
    },
  };
  return { scheduler, fire: (cron: string) => ticks.get(cron)?.(), ticks };
};

describe("dogdriver schedule", () => {
  it("runs run --all and aggregate on their ticks, one at a time, skipping overlapping ticks", async () => {
    const cwd = await configDir({ run: "0 * * * *", aggregate: "5 * * * *" });
    const deps = testDeps({ cwd });
    const { scheduler, fire, ticks } = handScheduler();
    const calls: string[] = [];
    let releaseRun: () => void = () => {};
    const parts = {
      scheduler,
      run: async (options: { all?: boolean }): Promise<Outcome> => {
        calls.push(`run all=${options.all}`);
        await new Promise<void>((r) => {
          releaseRun = r;
        });
        return "ok";
      },
      aggregate: async (): Promise<Outcome> => {
        calls.push("aggregate");
        return "ok";
      },
    };
    const done = scheduleCommand({}, deps, parts as never);
    await new Promise((r) => setTimeout(r, 20));
    expect([...ticks.keys()].sort()).toEqual(["0 * * * *", "5 * * * *"]);

    fire("0 * * * *");
    fire("0 * * * *"); // still running: skipped
    fire("5 * * * *"); // queued behind the run
    await new Promise((r) => setTimeout(r, 20));
    expect(calls).toEqual(["run all=true"]);
    releaseRun();
    await new Promise((r) => setTimeout(r, 20));
    expect(calls).toEqual(["run all=true", "aggregate"]);

    deps.abort.abort();
    await expect(done).resolves.toBe("ok");
    expect(ticks.size).toBe(0);
    expect(deps.stderr.text()).toContain("schedule: run skipped: the previous one has not finished");
  });

  it("keeps going after a failed tick", async () => {
    const cwd = await configDir({ run: "0 * * * *", aggregate: "5 * * * *" });
    const deps = testDeps({ cwd });
    const { scheduler, fire } = handScheduler();
    let aggregates = 0;
    const parts = {
      scheduler,
      run: async (): Promise<Outcome> => "ok",
      aggregate: async (): Promise<Outcome> => {
        aggregates += 1;
        if (aggregates === 1) throw new Error("Datadog is down");
        return "ok";
      },
    };
    const done = scheduleCommand({}, deps, parts as never);
    await new Promise((r) => setTimeout(r, 20));
    fire("5 * * * *");
    await new Promise((r) => setTimeout(r, 20));
    fire("5 * * * *");
    await new Promise((r) => setTimeout(r, 20));
    deps.abort.abort();
    await done;
    expect(aggregates).toBe(2);
    expect(deps.stderr.text()).toContain("schedule: aggregate failed: Datadog is down");
  });

  it("says once per worker, not on every tick, that Datadog keys are missing and points will be too old", async () => {
    const cwd = await configDir({ run: "0 * * * *", aggregate: "5 * * * *" });
    const deps = testDeps({ cwd });
    const { scheduler, fire } = handScheduler();
    const parts = { scheduler, run: async (): Promise<Outcome> => "ok", aggregate: aggregateCommand };
    const done = scheduleCommand({}, deps, parts);
    const finished = async (n: number) => {
      while ((deps.stderr.text().match(/schedule: aggregate finished \(ok\)/g) ?? []).length < n)
        await new Promise((r) => setTimeout(r, 20));
    };
    await new Promise((r) => setTimeout(r, 20));
    fire("5 * * * *");
    await finished(1);
    fire("5 * * * *");
    await finished(2);
    deps.abort.abort();
    await done;
    expect(deps.stderr.text().match(/Datadog keys not set/g)).toHaveLength(1);
    // Hourly aggregates: 30m (no test.timeout) + settle 10m + up to 1h is beyond Datadog's limit.
    expect(
      deps.stderr.text().match(/^warning: service "kinto" \(env "stage"\): .* = 1h40m, beyond the 55m/gm),
    ).toHaveLength(1);
  });

  it("rejects a cron expression node-schedule cannot read, naming the key", async () => {
    const cwd = await configDir({ run: "61 * * * *", aggregate: "*/5 * * * *" });
    const deps = testDeps({ cwd });
    await expect(scheduleCommand({}, deps, { scheduler: cronScheduler } as never)).rejects.toThrow(
      'schedule.run: expected a cron expression, got "61 * * * *"',
    );
  });

  it("fires on the real cron clock", async () => {
    let fired = 0;
    const job = cronScheduler.schedule("* * * * * *", () => {
      fired += 1;
    });
    expect(job?.nextMs()).toBeGreaterThan(Date.now() - 1);
    await new Promise((r) => setTimeout(r, 2200));
    job?.cancel();
    expect(fired).toBeGreaterThanOrEqual(1);
  });
});
