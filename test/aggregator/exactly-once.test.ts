import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLAIM_LEASE_MS } from "../../src/aggregator/claims.js";
import { isEmptied, readEntry } from "../../src/aggregator/outbox.js";
import { openStore } from "../../src/store/open-store.js";
import type { RunRecord } from "../../src/store/run-record.js";
import type { RunStore } from "../../src/store/types.js";
import { testDeps } from "../support/deps.js";
import { type S3TestServer, startS3Server } from "../support/s3-server.js";
import {
  aggregateKilledAt,
  aggregateWith,
  datadogEnv,
  pendingRun,
  seedServerMetrics,
  useHarness,
  writeConfig,
} from "./fixtures.js";

// Two aggregators at once against one S3 bucket, and an aggregator killed with SIGKILL between any two of its
// writes and run again: every run ends aggregated once, every event posted once, every point present.

const MINUTE = 60_000;

const h = useHarness("exactly-once");
let s3: S3TestServer;

beforeAll(async () => {
  s3 = await startS3Server();
}, 120_000);
afterAll(() => s3.close());

let count = 0;
const SERVICES = ["web", "api"];

/** Six pending runs (three per service, two releases each) with the server metrics their windows need. */
const setup = async (store: RunStore): Promise<RunRecord[]> => {
  const runs: RunRecord[] = [];
  const now = h.clock.now();
  for (const service of SERVICES) {
    for (const [i, ago] of [30, 25, 20].entries()) {
      const run = pendingRun({ service, version: i < 2 ? "1.0" : "2.0", startMs: now - ago * MINUTE });
      await store.putRun(run);
      runs.push(run);
    }
    await seedServerMetrics(h.dd, service, now - 31 * MINUTE, now, () => ({
      latency: 12,
      cpu: 34,
      hosts: 2,
    }));
  }
  return runs;
};

/** An aggregate in this process; `offsetMs` ahead of real time, as a later call after the leases ran out. */
const aggregateIn = (config: string, env: Record<string, string>, offsetMs = 0) =>
  aggregateWith(h, config, env, { clock: { now: () => Date.now() + offsetMs, sleep: h.clock.sleep } });

const expectAllDone = async (store: RunStore, runs: RunRecord[]) => {
  for await (const r of store.listRuns()) {
    expect(r.state).toBe("aggregated");
    expect(r.server?.latency_ms).toBeCloseTo(12, 6);
  }
  for (const r of runs) {
    const at = Math.floor(Date.parse(r.started_at) / 1000);
    const p95 = h.dd
      .points()
      .filter(
        (p) =>
          p.metric === "dogdriver.run.latency.p95" &&
          p.timestamp === at &&
          p.tags.includes(`service:${r.service}`),
      );
    expect(p95).toHaveLength(1);
  }
  // Nothing left to do: release entries stay behind emptied (see settleEntry), everything else is gone.
  const leftovers: string[] = [];
  for await (const b of store.listBlobs("")) {
    if (!/^(claims|outbox|dirty)\//.test(b)) continue;
    const stored = b.startsWith("outbox/release/") ? await readEntry(store, b) : undefined;
    if (stored === undefined || !isEmptied(stored.entry)) leftovers.push(b);
  }
  expect(leftovers).toEqual([]);
};

const releaseTitles = () =>
  h.dd
    .events()
    .map((e) => e.title)
    .filter((t) => t.includes("first seen"))
    .sort();
const EXPECTED_RELEASES = SERVICES.flatMap((s) => [
  `${s} stage: release 1.0 first seen`,
  `${s} stage: release 2.0 first seen`,
]).sort();

describe("exactly once", () => {
  it("two aggregators started at once against the same S3 bucket complete each run once", async () => {
    const url = `s3://${s3.bucket}/concurrent-${++count}`;
    const env = { ...s3.env, ...datadogEnv(h.dd) };
    const store = openStore(url, testDeps({ cwd: h.root, env }));
    const runs = await setup(store);
    const config = await writeConfig(url, SERVICES);

    const [a, b, c] = await Promise.all([
      aggregateIn(config, env),
      aggregateIn(config, env),
      aggregateIn(config, env),
    ]);

    const processed = [a, b, c].flatMap((x) => x.report.runs.processed.map((p) => p.key));
    expect(processed.sort()).toEqual(
      runs.map((r) => `runs/${r.service}/stage/${r.started_at}_${r.id}.json`).sort(),
    );
    expect([a, b, c].every((x) => x.report.runs.failed.length === 0)).toBe(true);
    await expectAllDone(store, runs);
    expect(releaseTitles()).toEqual(EXPECTED_RELEASES);
    const titles = h.dd.events().map((e) => e.title);
    expect(new Set(titles).size).toBe(titles.length);
    // The S3 layer refused conditional writes: the aggregators did race for the same objects.
    expect(s3.requests().some((r) => r.status === 412)).toBe(true);

    // Finished runs are remembered (index/): a later call reads only the record of its one new run, even to
    // redo the verdicts of that service.
    await aggregateIn(config, env);
    const extra = pendingRun({ service: "web", version: "2.0", startMs: h.clock.now() - 15 * MINUTE });
    await store.putRun(extra);
    const before = s3.requests().length;
    const later = await aggregateIn(config, env);
    expect(later.report.runs.processed.map((p) => p.key)).toEqual([
      `runs/web/stage/${extra.started_at}_${extra.id}.json`,
    ]);
    const recordReads = s3
      .requests()
      .slice(before)
      .filter((r) => r.method === "GET" && /\/runs\/.+\.json/.test(r.url));
    expect(recordReads.length).toBeGreaterThan(0);
    expect(recordReads.filter((r) => !r.url.includes(extra.id)).map((r) => r.url)).toEqual([]);
  });

  const killAndRerun = async (step: string, backend: "s3" | "file" = "s3") => {
    const url =
      backend === "s3"
        ? `s3://${s3.bucket}/killed-${++count}`
        : `file://${join(h.root, `killed-${++count}`)}`;
    const env = { ...(backend === "s3" ? s3.env : {}), ...datadogEnv(h.dd) };
    const store = openStore(url, testDeps({ cwd: h.root, env }));
    const runs = await setup(store);
    const config = await writeConfig(url, SERVICES);
    await aggregateKilledAt(h, config, env, step);
    // The next aggregate runs after the dead one's claims and ledger entries have expired.
    const rerun = await aggregateIn(config, env, CLAIM_LEASE_MS + MINUTE);
    expect(rerun.outcome).toBe("ok");
    await expectAllDone(store, runs);
    return rerun.report;
  };

  const cases: [string, "s3" | "file"][] = [
    ["claimed:4", "s3"],
    ["outbox-written:2", "s3"],
    ["outbox-written:3", "file"],
    ["record-written:3", "s3"],
    ["series-submitted", "s3"],
    ["event-sending:2", "s3"],
  ];
  for (const [step, backend] of cases) {
    it(`killed at ${step} (${backend} store), then run again: each run once, each event once, every point present`, async () => {
      await killAndRerun(step, backend);
      expect(releaseTitles()).toEqual(EXPECTED_RELEASES);
      const titles = h.dd.events().map((e) => e.title);
      expect(new Set(titles).size).toBe(titles.length);
    });
  }

  it("killed after Datadog accepted an event but before the ledger said so: posted again under the same aggregation key", async () => {
    // The one at-least-once window (docs/aggregator.md): nothing in Datadog's event API can tell whether the
    // event arrived, so it is posted again, and Datadog groups both under one aggregation key.
    await killAndRerun("event-posted:2");
    expect([...new Set(releaseTitles())]).toEqual(EXPECTED_RELEASES);
    const byTitle = new Map<string, string[]>();
    for (const e of h.dd.events())
      byTitle.set(e.title, [...(byTitle.get(e.title) ?? []), e.aggregation_key ?? ""]);
    const twice = [...byTitle.values()].filter((keys) => keys.length > 1);
    expect(twice).toHaveLength(1);
    expect(new Set(twice[0]).size).toBe(1);
  });
});
