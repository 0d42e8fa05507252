import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { claimBatch, readLease } from "../../src/aggregator/claims.js";
import { completedRecord } from "../../src/aggregator/completed-record.js";
import { queueRunEvents } from "../../src/runner/run-events.js";
import { openStore } from "../../src/store/open-store.js";
import { testDeps } from "../support/deps.js";
import { aggregateWith, datadogEnv, ENV, pendingRun, useHarness, writeConfig } from "./fixtures.js";

// What the second of two aggregators at once says of the work the first is doing: the exact state the first one
// leaves mid-way (the service/env's lease held, three of its four runs completed, the run events' lease held
// while it posts them), then the second one runs. It completes nothing and sends nothing, and its summary counts
// all four runs as the other aggregator's and the four run-event entries as being sent by it, not "1 claimed"
// and "outbox: 4 pending" (which read as work left undone).

const MINUTE = 60_000;
const h = useHarness("concurrent-summary");

describe("two aggregators at once: the second one's summary", () => {
  it("counts the runs and outbox entries the first one is handling as its", async () => {
    const url = `file://${join(h.root, "store")}`;
    const env = datadogEnv(h.dd);
    const store = openStore(url, testDeps({ cwd: h.root, env }));
    const now = h.clock.now();
    const runs = [30, 25, 20, 15].map((ago) =>
      pendingRun({ service: "web", version: "1.0", startMs: now - ago * MINUTE }),
    );
    for (const run of runs) {
      await store.putRun(run);
      await queueRunEvents(store, run, now);
    }
    // The first aggregator, mid-way: both leases held, three records completed, its done index not saved yet.
    const first = "other-host/first";
    for (const [service, env] of [
      ["web", ENV],
      ["_outbox", "run-events"],
    ] as const)
      expect(
        await claimBatch(store, await readLease(store, service, env, first, now), first, now),
      ).toBeDefined();
    for (const run of runs.slice(0, 3)) await store.putRun(completedRecord(run, undefined, now));

    const second = await aggregateWith(h, await writeConfig(url, ["web"]), env);
    expect(second.report.runs.processed).toEqual([]);
    expect(second.report.runs.claimed_elsewhere).toBe(4);
    expect(second.report.push).toMatchObject({ outbox_pending: 0, outbox_elsewhere: 4, points_sent: 0 });
    expect(second.stderr).toContain(
      "aggregate: 0 runs completed, 0 too fresh (settle 10m), 4 claimed by another aggregator, 0 deferred, 0 failed",
    );
    expect(second.stderr).toContain("outbox: 0 pending, 4 being sent by another aggregator");
    expect(h.dd.requests().filter((r) => r.method !== "GET")).toEqual([]);
  });
});
