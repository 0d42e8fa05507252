import { mkdtemp } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLAIM_LEASE_MS } from "../../src/aggregator/claims.js";
import { listEntries } from "../../src/aggregator/outbox.js";
import { RUN_EVENT_ROUND } from "../../src/aggregator/run-event-flush.js";
import { queueRunEvents } from "../../src/runner/run-events.js";
import { deliverSpool, spoolRecord } from "../../src/runner/spool.js";
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
  useHarness,
  writeConfig,
} from "./fixtures.js";

// The start/stop events `run` queues (outbox/events/<id>.json) are posted under one lease and their entries
// deleted a round at a time: each event once across aggregators, nothing lost when an aggregator is killed
// between posting and the delete (that round goes out again under the same aggregation keys), and a spooled
// record delivered again after its entry was deleted queues nothing.

const MINUTE = 60_000;
const RUNS = RUN_EVENT_ROUND + 4; // more than one round

const h = useHarness("run-events");
let s3: S3TestServer;
let count = 0;

beforeAll(async () => {
  s3 = await startS3Server();
}, 120_000);
afterAll(() => s3.close());

/** Fresh runs (not settled: only their events go out) with their events queued as `run` queues them. */
const setup = async () => {
  const url = `s3://${s3.bucket}/events-${++count}`;
  const env = { ...s3.env, ...datadogEnv(h.dd) };
  const store = openStore(url, testDeps({ cwd: h.root, env }));
  const runs: RunRecord[] = [];
  for (let i = 0; i < RUNS; i++) {
    const run = pendingRun({
      service: i % 2 ? "web" : "api",
      version: "1.0",
      startMs: h.clock.now() - MINUTE,
    });
    await store.putRun(run);
    await queueRunEvents(store, run, h.clock.now());
    runs.push(run);
  }
  return { url, env, store, runs, config: await writeConfig(url, ["web", "api"]) };
};

const runTitles = () =>
  h.dd
    .events()
    .filter((e) => e.title.startsWith("dogdriver load test"))
    .map((e) => e.title);

/** Every run's start and stop event reached Datadog; duplicates share their aggregation key. */
const expectEveryEvent = (runs: RunRecord[]) => {
  const posted = h.dd.events().filter((e) => e.title.startsWith("dogdriver load test"));
  for (const r of runs) {
    const own = posted.filter((e) => e.aggregation_key === `dogdriver-run-${r.id}`);
    expect(new Set(own.map((e) => e.title)).size, r.id).toBe(2);
  }
};

const outboxLeft = async (store: RunStore) => (await listEntries(store)).filter((p) => p.includes("events/"));

describe("run events", () => {
  it("posts every run's events once, deletes their entries a round at a time, writes no ledger", async () => {
    const { env, store, runs, config } = await setup();
    const before = s3.requests().length;
    const { report } = await aggregateWith(h, config, env);
    expect(report.push.events_posted).toHaveLength(2 * RUNS);
    expectEveryEvent(runs);
    expect(runTitles()).toHaveLength(2 * RUNS);
    expect(await outboxLeft(store)).toEqual([]);
    const requests = s3.requests().slice(before);
    expect(requests.filter((r) => r.method === "POST" && r.url.includes("delete"))).toHaveLength(
      Math.ceil(RUNS / RUN_EVENT_ROUND),
    );
    expect(requests.filter((r) => r.method === "DELETE")).toEqual([]);
    expect(requests.filter((r) => r.method === "PUT" && r.url.includes("/_dogdriver/events/"))).toEqual([]);
  });

  it("three aggregators at once: each event posted once", async () => {
    const { env, store, runs, config } = await setup();
    await Promise.all([
      aggregateWith(h, config, env),
      aggregateWith(h, config, env),
      aggregateWith(h, config, env),
    ]);
    // Whoever did not get the lease left the entries to the one that did; a later call finds nothing left.
    await aggregateWith(h, config, env);
    expectEveryEvent(runs);
    expect(runTitles()).toHaveLength(2 * RUNS);
    expect(await outboxLeft(store)).toEqual([]);
  });

  it("Datadog unavailable: every entry waits for the next call, nothing is posted twice", async () => {
    const { env, store, runs, config } = await setup();
    h.dd.inject({ method: "POST", path: "/api/v1/events", status: 503, times: Number.POSITIVE_INFINITY });
    const first = await aggregateWith(h, config, env);
    expect(first.report.push.events_posted).toEqual([]);
    expect(first.report.push.outbox_pending).toBe(RUNS);
    expect(first.report.warnings.join("\n")).toMatch(/did not accept a run event/);
    h.dd.clearFaults();
    await aggregateWith(h, config, env);
    expectEveryEvent(runs);
    expect(runTitles()).toHaveLength(2 * RUNS);
    expect(await outboxLeft(store)).toEqual([]);
  });

  it("killed between posting and deleting the entries: nothing lost, only that round posted again", async () => {
    const { env, store, runs, config } = await setup();
    await aggregateKilledAt(h, config, env, "run-event-posted:3");
    expect(runTitles()).toHaveLength(3);
    // The next aggregate runs once the dead one's lease has run out.
    await aggregateWith(h, config, env, {
      clock: { now: () => Date.now() + CLAIM_LEASE_MS + MINUTE, sleep: h.clock.sleep },
    });
    expectEveryEvent(runs);
    expect(runTitles()).toHaveLength(2 * RUNS + 3);
    expect(await outboxLeft(store)).toEqual([]);
  });

  it("a spooled record delivered again after its events were posted queues nothing", async () => {
    const { env, store, runs, config } = await setup();
    await aggregateWith(h, config, env);
    const spool = await mkdtemp(join(h.root, "spool-"));
    const [run] = runs as [RunRecord];
    await spoolRecord(spool, store.url, run); // a delivery cut short before the spool file went
    const queued: string[] = [];
    const deps = testDeps({ cwd: h.root, env });
    const delivered = await deliverSpool(spool, store, deps.log, async (r) => {
      queued.push(r.id);
      await queueRunEvents(store, r, h.clock.now());
    });
    expect(delivered).toEqual({ delivered: 1, remaining: 0 });
    expect(queued).toEqual([]);
    await aggregateWith(h, config, env);
    expect(runTitles()).toHaveLength(2 * RUNS);
  });
});
