import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openStore } from "../../src/store/open-store.js";
import type { RunRecord } from "../../src/store/run-record.js";
import { testDeps } from "../support/deps.js";
import {
  aggregateWith,
  datadogEnv,
  pendingRun,
  seedServerMetrics,
  useHarness,
  writeConfig,
} from "./fixtures.js";

// The "release first seen" event is dated at the earliest run of that release in that service/env, whatever
// order the outbox is flushed in (run-id order) and however the runs arrived (backlog, import, backfill).

const h = useHarness("release-time");
const MINUTE = 60_000;

const releaseTimes = () =>
  Object.fromEntries(
    h.dd
      .events()
      .filter((e) => e.title.includes("first seen"))
      .map((e) => [e.title.replace(/^.*release (\S+) first seen$/, "$1"), e.date_happened * 1000]),
  );

const startOf = (r: RunRecord) => Date.parse(r.started_at);

describe("release event time", () => {
  it("is the earliest run's in a 50-run backlog whose later-id runs started earlier", async () => {
    const url = `file://${join(h.root, "backlog")}`;
    const store = openStore(url, testDeps({ cwd: h.root }));
    const config = await writeConfig(url, ["svc"]);
    const t0 = Math.floor(h.clock.now() / 10_000) * 10_000;
    await seedServerMetrics(h.dd, "svc", t0 - 60 * MINUTE, t0, () => ({ latency: 20, cpu: 30, hosts: 3 }));
    // 10 releases of 5 runs each; within a release, ids grow as start times go back (newest run created first).
    const runs: RunRecord[] = [];
    for (let v = 0; v < 10; v += 1)
      for (let k = 0; k < 5; k += 1)
        runs.push(
          pendingRun({
            service: "svc",
            version: `1.${v}.0`,
            startMs: t0 - (15 + v * 4 + k * 0.5) * MINUTE,
            durationMs: 20_000,
          }),
        );
    // The earliest run of each release is the one with the highest id, completed in a later aggregate than
    // the others: its entry is flushed after theirs.
    const lateIds = new Set(runs.filter((_, i) => i % 5 === 4).map((r) => r.id));
    for (const r of runs) if (!lateIds.has(r.id)) await store.putRun(r);
    h.dd.inject({ path: "/api/v1/events", status: 503, times: Number.POSITIVE_INFINITY });
    const first = await aggregateWith(h, config, datadogEnv(h.dd));
    expect(first.report.runs.processed).toHaveLength(40);
    h.dd.clearFaults();
    for (const r of runs) if (lateIds.has(r.id)) await store.putRun(r);

    const second = await aggregateWith(h, config, datadogEnv(h.dd));
    expect(second.report.runs.processed).toHaveLength(10);
    expect(second.report.push.outbox_pending).toBe(0);
    const times = releaseTimes();
    expect(Object.keys(times)).toHaveLength(10);
    for (let v = 0; v < 10; v += 1) {
      const earliest = Math.min(...runs.filter((r) => r.version === `1.${v}.0`).map(startOf));
      expect(times[`1.${v}.0`], `1.${v}.0`).toBe(earliest);
    }
  });

  it("counts finished runs already in the store (an imported history): an old release is not announced as new", async () => {
    const url = `file://${join(h.root, "imported")}`;
    const store = openStore(url, testDeps({ cwd: h.root }));
    const config = await writeConfig(url, ["svc"]);
    const t0 = Math.floor(h.clock.now() / 10_000) * 10_000;
    await seedServerMetrics(h.dd, "svc", t0 - 30 * MINUTE, t0, () => ({ latency: 20, cpu: 30, hosts: 3 }));
    // Imported: release 2.0.0 was first seen 1,190 minutes ago, already aggregated.
    const old = pendingRun({ service: "svc", version: "2.0.0", startMs: t0 - 1190 * MINUTE });
    await store.putRun({
      ...old,
      state: "aggregated",
      server: {},
      aggregated_at: new Date(t0 - 1100 * MINUTE).toISOString(),
    });
    await store.putRun(pendingRun({ service: "svc", version: "2.0.0", startMs: t0 - 118 * MINUTE }));
    await store.putRun(pendingRun({ service: "svc", version: "3.0.0", startMs: t0 - 20 * MINUTE }));
    const result = await aggregateWith(h, config, datadogEnv(h.dd));
    expect(result.report.runs.processed).toHaveLength(2);
    // 2.0.0 is dated 1,190 minutes back: past the 17 hours Datadog shows, so it is kept as too old, not posted
    // as if first seen 118 minutes ago; 3.0.0 is posted at its run.
    expect(result.report.push.events_too_old).toEqual(["svc stage: release 2.0.0 first seen"]);
    expect(releaseTimes()).toEqual({ "3.0.0": t0 - 20 * MINUTE });
  });
});
