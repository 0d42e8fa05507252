import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { aggregateCommand } from "../../src/aggregator/aggregate-command.js";
import { exitCodeForError } from "../../src/cli/exit-codes.js";
import { DogdriverError } from "../../src/errors.js";
import { openStore } from "../../src/store/open-store.js";
import type { RunStore } from "../../src/store/types.js";
import { testDeps } from "../support/deps.js";
import {
  aggregateWith,
  datadogEnv,
  pendingRun,
  seedServerMetrics,
  useHarness,
  writeConfig,
} from "./fixtures.js";

// A wrong Datadog key (401/403) is a problem of the whole process, not of one run or payload: aggregate stops
// before it marks, moves or rejects anything, and the same store completes once the key is right.

const h = useHarness("credentials");
const MINUTE = 60_000;
const WRONG_API = "aaaabbbbccccddddeeeeffff00001111";

const blobs = async (store: RunStore, prefix: string) => {
  const found: string[] = [];
  for await (const b of store.listBlobs(prefix)) found.push(b);
  return found.sort();
};

const states = async (store: RunStore) => {
  const out: string[] = [];
  for await (const r of store.listRuns()) out.push(r.state);
  return out.sort();
};

/** aggregate with these keys; the error it ends with (or undefined), its message and details joined. */
const failing = async (config: string, env: Record<string, string>) => {
  const deps = testDeps({ cwd: h.root, clock: h.clock, env });
  try {
    await aggregateCommand({ config, json: true }, deps);
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(DogdriverError);
    const e = error as DogdriverError;
    return { exit: exitCodeForError(e.code), text: [e.message, ...e.details].join("\n") };
  }
};

describe("aggregate with a key Datadog refuses", () => {
  it("leaves runs pending and the outbox in place, then completes everything once the key is right", async () => {
    const url = `file://${join(h.root, "wrong-key")}`;
    const store = openStore(url, testDeps({ cwd: h.root }));
    const config = await writeConfig(url, ["svc"]);
    const t0 = Math.floor(h.clock.now() / 10_000) * 10_000;
    await seedServerMetrics(h.dd, "svc", t0 - 50 * MINUTE, t0, () => ({ latency: 20, cpu: 30, hosts: 3 }));

    // An outbox from an earlier aggregate whose submission Datadog could not take (503).
    const early = [40, 35].map((ago) =>
      pendingRun({ service: "svc", version: "1.0.0", startMs: t0 - ago * MINUTE }),
    );
    for (const r of early) await store.putRun(r);
    h.dd.inject({ path: "/api/v2/series", status: 503, times: Number.POSITIVE_INFINITY });
    h.dd.inject({ path: "/api/v1/events", status: 503, times: Number.POSITIVE_INFINITY });
    expect((await aggregateWith(h, config, datadogEnv(h.dd))).outcome).toBe("ok");
    h.dd.clearFaults();
    const outbox = await blobs(store, "outbox/");
    expect(outbox.filter((p) => p.startsWith("outbox/run/"))).toHaveLength(2);

    const late = [30, 25, 20, 15, 12].map((ago) =>
      pendingRun({ service: "svc", version: "2.0.0", startMs: t0 - ago * MINUTE }),
    );
    for (const r of late) await store.putRun(r);

    // A wrong API key, then a wrong application key: exit 1, the key and the site named, never a key's value.
    for (const env of [
      { ...datadogEnv(h.dd), DD_API_KEY: WRONG_API },
      { ...datadogEnv(h.dd), DD_APP_KEY: `${WRONG_API}99999999` },
    ]) {
      const before = h.dd.requests().length;
      const failure = await failing(config, env);
      expect(failure?.exit).toBe(1);
      expect(failure?.text).toMatch(/Datadog rejected the API key or application key \(403\) for site /);
      expect(failure?.text).toMatch(/check DD_API_KEY and DD_APP_KEY/);
      expect(failure?.text).not.toContain(WRONG_API);
      expect(failure?.text).not.toContain(h.dd.apiKey);
      // It stopped at the first refusal instead of trying every query.
      expect(h.dd.requests().length - before).toBe(1);
      expect(await states(store)).toEqual([...Array(2).fill("aggregated"), ...Array(5).fill("pending")]);
      expect(await blobs(store, "outbox/")).toEqual(outbox);
      expect(await blobs(store, "rejected/")).toEqual([]);
      expect(await blobs(store, "claims/")).toEqual([]);
    }
    expect(h.dd.points().filter((p) => p.metric.startsWith("dogdriver."))).toEqual([]);

    // Only the API key set, and wrong: no query tries it, so one validation does; nothing is completed.
    const apiOnly = await failing(config, { DD_API_KEY: WRONG_API, DOGDRIVER_DD_URL: h.dd.url });
    expect(apiOnly?.exit).toBe(1);
    expect(apiOnly?.text).toMatch(
      /Datadog rejected the API key \(403\) for site .*check DD_API_KEY and DD_SITE/s,
    );
    expect(await blobs(store, "rejected/")).toEqual([]);
    expect(await blobs(store, "outbox/")).toEqual(outbox);
    expect(await states(store)).toEqual([...Array(2).fill("aggregated"), ...Array(5).fill("pending")]);

    // The right keys: every run completed with its server values, every point and event sent.
    const fixed = await aggregateWith(h, config, datadogEnv(h.dd));
    expect(fixed.outcome).toBe("ok");
    expect(fixed.report.runs.processed).toHaveLength(5);
    for (const run of fixed.report.runs.processed) expect(run.server.latency_ms).toBe(20);
    expect(fixed.report.push.outbox_pending).toBe(0);
    expect(await states(store)).toEqual(Array(7).fill("aggregated"));
    expect((await blobs(store, "outbox/")).filter((p) => p.startsWith("outbox/run/"))).toEqual([]);
    const p95 = h.dd.points().filter((p) => p.metric === "dogdriver.run.latency.p95");
    expect(new Set(p95.map((p) => p.timestamp)).size).toBe(7);
    expect(
      h.dd
        .events()
        .map((e) => e.title)
        .filter((t) => t.includes("first seen"))
        .sort(),
    ).toEqual(["svc stage: release 1.0.0 first seen", "svc stage: release 2.0.0 first seen"]);
  });

  it("--requeue-rejected sends again what dogdriver 0.1.0 moved to rejected/ after a 403", async () => {
    const url = `file://${join(h.root, "requeue")}`;
    const store = openStore(url, testDeps({ cwd: h.root }));
    const config = await writeConfig(url, ["svc"]);
    const t0 = Math.floor(h.clock.now() / 10_000) * 10_000;
    // Build a real outbox entry (Datadog down), then move it aside as 0.1.0 did on a wrong key.
    const run = pendingRun({ service: "svc", version: "3.0.0", startMs: t0 - 20 * MINUTE });
    await store.putRun(run);
    await seedServerMetrics(h.dd, "svc", t0 - 25 * MINUTE, t0, () => ({ latency: 20, cpu: 30, hosts: 3 }));
    h.dd.inject({ path: "/api/v2/series", status: 503, times: Number.POSITIVE_INFINITY });
    h.dd.inject({ path: "/api/v1/events", status: 503, times: Number.POSITIVE_INFINITY });
    await aggregateWith(h, config, datadogEnv(h.dd));
    h.dd.clearFaults();
    const path = `outbox/run/${run.id}.json`;
    const entry = JSON.parse((await store.readBlob(path))?.body ?? "");
    await store.writeBlob(
      `rejected/${path}`,
      JSON.stringify({ reason: "Datadog rejected the API key (403)", entry }),
    );
    await store.deleteBlob(path);
    const [release] = entry.events;
    await store.writeBlob(
      `events/${release.id}.json`,
      JSON.stringify({ state: "rejected", owner: "old", atMs: t0, title: release.event.title }),
    );

    const plain = await aggregateWith(h, config, datadogEnv(h.dd));
    expect(plain.report.push.points_sent).toBe(0);

    const deps = testDeps({ cwd: h.root, clock: h.clock, env: datadogEnv(h.dd) });
    expect(await aggregateCommand({ config, json: true, requeueRejected: true }, deps)).toBe("ok");
    expect(deps.stderr.text()).toContain("requeued 1 rejected outbox entry");
    expect(await blobs(store, "rejected/")).toEqual([]);
    expect(await blobs(store, "outbox/run/")).toEqual([]);
    expect(h.dd.points().some((p) => p.metric === "dogdriver.run.latency.p95")).toBe(true);
    expect(h.dd.events().map((e) => e.title)).toContain("svc stage: release 3.0.0 first seen");
  });
});
