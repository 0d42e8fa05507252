import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { emptyReport } from "../../src/aggregator/aggregate.js";
import { isEmptied, readEntry, releaseEntryPath, writeEntry } from "../../src/aggregator/outbox.js";
import { flushOutbox } from "../../src/aggregator/outbox-flush.js";
import { queueReleaseUpdate } from "../../src/aggregator/release-update.js";
import type { OutboxEntry, OutboxEvent } from "../../src/aggregator/types.js";
import { loadCommandConfig } from "../../src/config/command-config.js";
import { createDatadog } from "../../src/datadog/client.js";
import { datadogSettingsFromEnv } from "../../src/datadog/settings.js";
import type { DatadogApi, DatadogEvent, MetricSeries } from "../../src/datadog/types.js";
import { openStore } from "../../src/store/open-store.js";
import type { RunStore } from "../../src/store/types.js";
import { testDeps } from "../support/deps.js";
import { type S3TestServer, startS3Server } from "../support/s3-server.js";
import { datadogEnv, useHarness, writeConfig } from "./fixtures.js";

// Two aggregators at once: one flushes a service's release entry while the other queues a newer verdict into
// the same entry. The flush must not drop what it did not send.

const h = useHarness("outbox-flush");
let s3: S3TestServer;
let count = 0;

beforeAll(async () => {
  s3 = await startS3Server();
}, 120_000);
afterAll(() => s3.close());

const event = (title: string): DatadogEvent => ({ title, text: title, tags: ["dogdriver"] });
const outboxEvent = (title: string): OutboxEvent => ({ id: title.replace(/\W/g, "-"), event: event(title) });

const releaseEntry = (titles: string[]): OutboxEntry => ({
  schema: "dogdriver.outbox.v1",
  kind: "release",
  createdAtMs: h.clock.now(),
  series: [],
  seriesSent: false,
  events: titles.map(outboxEvent),
});

const releaseGauge = (value: number): MetricSeries => ({
  metric: "dogdriver.release.p95_change_pct",
  type: "gauge",
  points: [{ timestampMs: h.clock.now(), value }],
  tags: ["service:web", "env:stage"],
});

/** The flusher's store, with a hook run just before it first changes (writes or deletes) `path`. */
const beforeFirstChange = (store: RunStore, path: string, hook: () => Promise<void>): RunStore => {
  let fired = false;
  const once = async (target: string) => {
    if (target !== path || fired) return;
    fired = true;
    await hook();
  };
  return Object.assign(Object.create(store) as RunStore, {
    writeBlob: async (...args: Parameters<RunStore["writeBlob"]>) => {
      await once(args[0]);
      return store.writeBlob(...args);
    },
    deleteBlob: async (target: string) => {
      await once(target);
      return store.deleteBlob(target);
    },
  });
};

/** Queues a web/stage release update: a verdict event titled `title`, and the release gauge `gauge` if given. */
const queueVerdict = (store: RunStore, title: string, gauge?: number) =>
  queueReleaseUpdate(
    store,
    "web",
    "stage",
    {
      series: gauge === undefined ? [] : [releaseGauge(gauge)],
      events: [outboxEvent(title)],
      states: [],
    },
    h.clock.now(),
  );

const setup = async (url: string, extraEnv: Record<string, string> = {}) => {
  const env = { ...extraEnv, ...datadogEnv(h.dd) };
  const deps = testDeps({ cwd: h.root, clock: h.clock, env });
  const config = await loadCommandConfig({ config: await writeConfig(url, ["web"]) }, deps);
  const store = openStore(url, deps);
  const real = createDatadog(datadogSettingsFromEnv(env), deps);
  const flush = (flushStore: RunStore, api: DatadogApi = real) =>
    flushOutbox({
      store: flushStore,
      api,
      deps,
      owner: "test",
      report: emptyReport({ config, store: flushStore, api, deps, dryRun: false }),
    });
  return { env, deps, store, real, flush, path: releaseEntryPath("web", "stage") };
};

const titles = (entry: OutboxEntry | undefined) => entry?.events.map((e) => e.event.title);

describe("flushOutbox", () => {
  it("keeps a release entry another aggregator rewrote while it was being sent", async () => {
    const { store, real, flush, path } = await setup(`file://${join(h.root, "race")}`);
    await writeEntry(store, path, releaseEntry(["v1 verdict"]));

    // The other aggregator's queueReleaseUpdate lands while this one posts the first event.
    let rewritten = false;
    const api: DatadogApi = Object.assign(Object.create(real) as DatadogApi, {
      postEvent: async (e: DatadogEvent) => {
        if (!rewritten) {
          rewritten = true;
          await writeEntry(store, path, releaseEntry(["v1 verdict", "v2 verdict"]));
        }
        return real.postEvent(e);
      },
    });

    expect(await flush(store, api)).toBe(1);
    expect(titles((await readEntry(store, path))?.entry)).toEqual(["v2 verdict"]);
    expect(await flush(store, api)).toBe(0);
    const left = await readEntry(store, path);
    expect(left && isEmptied(left.entry)).toBe(true);
    // Each verdict posted once.
    expect(h.dd.events().map((e) => e.title)).toEqual(["v1 verdict", "v2 verdict"]);
  });

  for (const backend of ["file", "s3"] as const)
    it(`keeps a verdict queued between the flush's last read and its settle (${backend})`, async () => {
      const url =
        backend === "file"
          ? `file://${join(h.root, `settle-${++count}`)}`
          : `s3://${s3.bucket}/settle-${++count}`;
      const { deps, store, flush, path } = await setup(url, backend === "s3" ? s3.env : {});
      const other = openStore(url, deps); // the second aggregator's own handle
      await queueVerdict(other, "v1 verdict", 5);

      // Everything was read and sent; the entry is about to be retired when the other aggregator queues v2
      // (its verdict state already moved on, so nothing would ever queue v2 again).
      const flusher = beforeFirstChange(store, path, () => queueVerdict(other, "v2 verdict", 9));
      expect(await flush(flusher)).toBe(1);
      const kept = (await readEntry(store, path))?.entry;
      expect(titles(kept)).toEqual(["v2 verdict"]);
      expect(kept?.seriesSent).toBe(false);
      expect(kept?.series.map((s) => s.points[0]?.value)).toEqual([9]);

      // A minute later, so the release gauge (stamped when sent) gets its own point.
      h.clock.offsetMs += 60_000;
      expect(await flush(store)).toBe(0);
      expect(h.dd.events().map((e) => e.title)).toEqual(["v1 verdict", "v2 verdict"]);
      expect(
        h.dd
          .series()
          .filter((s) => s.metric === "dogdriver.release.p95_change_pct")
          .flatMap((s) => s.points.map((p) => p.value))
          .sort(),
      ).toEqual([5, 9]);
    });

  it("treats an emptied release entry as nothing to send, and queues into it as usual", async () => {
    const { store, flush, path } = await setup(`file://${join(h.root, "emptied")}`);
    await queueVerdict(store, "v1 verdict", 5);
    expect(await flush(store)).toBe(0);
    const emptied = await readEntry(store, path);
    expect(emptied && isEmptied(emptied.entry)).toBe(true);

    const requests = h.dd.requests().length;
    expect(await flush(store)).toBe(0);
    expect(await flush(store)).toBe(0);
    expect(h.dd.requests().length).toBe(requests); // no empty submissions
    expect((await readEntry(store, path))?.etag).toBe(emptied?.etag); // and no rewrites

    await queueVerdict(store, "v2 verdict");
    expect(titles((await readEntry(store, path))?.entry)).toEqual(["v2 verdict"]);
    expect(await flush(store)).toBe(0);
    expect(h.dd.events().map((e) => e.title)).toEqual(["v1 verdict", "v2 verdict"]);
  });

  it("two queues racing for one release entry both land", async () => {
    const url = `s3://${s3.bucket}/queues-${++count}`;
    const { deps, store, path } = await setup(url, s3.env);
    const handles = [openStore(url, deps), openStore(url, deps), openStore(url, deps)];
    await Promise.all(handles.map((handle, i) => queueVerdict(handle, `v${i + 1} verdict`)));
    expect(titles((await readEntry(store, path))?.entry)?.sort()).toEqual([
      "v1 verdict",
      "v2 verdict",
      "v3 verdict",
    ]);
  });
});
