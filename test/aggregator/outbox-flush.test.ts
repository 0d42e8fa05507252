import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { emptyReport } from "../../src/aggregator/aggregate.js";
import { readEntry, releaseEntryPath, writeEntry } from "../../src/aggregator/outbox.js";
import { flushOutbox } from "../../src/aggregator/outbox-flush.js";
import type { OutboxEntry } from "../../src/aggregator/types.js";
import { loadCommandConfig } from "../../src/cli/global-options.js";
import { createDatadog, datadogSettingsFromEnv } from "../../src/datadog/client.js";
import type { DatadogApi, DatadogEvent } from "../../src/datadog/types.js";
import { openStore } from "../../src/store/open-store.js";
import { testDeps } from "../support/deps.js";
import { datadogEnv, useHarness, writeConfig } from "./fixtures.js";

// Two aggregators at once: one flushes a service's release entry while the other queues a newer verdict into
// the same entry. The flush must not delete what it did not send.

const h = useHarness("outbox-flush");

const event = (title: string): DatadogEvent => ({ title, text: title, tags: ["dogdriver"] });

const releaseEntry = (titles: string[]): OutboxEntry => ({
  schema: "dogdriver.outbox.v1",
  kind: "release",
  createdAtMs: h.clock.now(),
  series: [],
  seriesSent: false,
  events: titles.map((title) => ({ id: title.replace(/\W/g, "-"), event: event(title) })),
});

describe("flushOutbox", () => {
  it("keeps a release entry another aggregator rewrote while it was being sent", async () => {
    const url = `file://${join(h.root, "race")}`;
    const env = datadogEnv(h.dd);
    const deps = testDeps({ cwd: h.root, clock: h.clock, env });
    const config = await loadCommandConfig({ config: await writeConfig(url, ["web"]) }, deps);
    const store = openStore(url, deps);
    const path = releaseEntryPath("web", "stage");
    await writeEntry(store, path, releaseEntry(["v1 verdict"]));

    const real = createDatadog(datadogSettingsFromEnv(env), deps);
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
    const flush = () =>
      flushOutbox({
        store,
        api,
        deps,
        owner: "test",
        report: emptyReport({ config, store, api, deps, dryRun: false }),
      });

    expect(await flush()).toBe(1);
    expect((await readEntry(store, path))?.entry.events.map((e) => e.event.title)).toEqual([
      "v1 verdict",
      "v2 verdict",
    ]);
    expect(await flush()).toBe(0);
    expect(await readEntry(store, path)).toBeUndefined();
    // Each verdict posted once: the rewritten entry's first event was already in the ledger.
    expect(h.dd.events().map((e) => e.title)).toEqual(["v1 verdict", "v2 verdict"]);
  });
});
