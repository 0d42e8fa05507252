import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { isDogdriverError } from "../../src/errors.js";
import { runKey } from "../../src/store/keys.js";
import { type RunStore, StoreConflictError } from "../../src/store/types.js";
import { manyRuns, sampleRun } from "./fixtures.js";

// The behaviour both backends must share, run once against each (file-store.test.ts, s3-store.test.ts).

export interface StoreHarness {
  /** A fresh, empty store. */
  open(): Promise<RunStore>;
  /** Writes raw bytes at a key, bypassing the store (a corrupted or foreign object). */
  writeRaw(store: RunStore, key: string, body: string): Promise<void>;
  close(): Promise<void>;
}

const collect = async <T>(items: AsyncIterable<T>): Promise<T[]> => {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
};

export const storeContract = (name: string, setup: () => Promise<StoreHarness>) =>
  describe(`${name} store`, () => {
    let harness: StoreHarness;
    let store: RunStore;
    beforeAll(async () => {
      harness = await setup();
    });
    afterAll(async () => harness?.close());
    beforeEach(async () => {
      store = await harness.open();
    });

    it("creates a record once, then reports it unchanged, then updated", async () => {
      const run = sampleRun();
      expect(await store.putRun(run)).toBe("created");
      expect(await store.putRun(structuredClone(run))).toBe("unchanged");
      // Same data, other key order: still the same record.
      const reordered = Object.fromEntries(Object.entries(run).reverse()) as typeof run;
      expect(await store.putRun(reordered)).toBe("unchanged");
      const aggregated = { ...run, state: "aggregated" as const, server: { latency_ms: 30.1 } };
      expect(await store.putRun(aggregated)).toBe("updated");
      expect(await store.getRun(runKey(run))).toEqual(aggregated);
      expect(await collect(store.listRunKeys())).toEqual([
        "runs/kinto/stage/2026-11-24T10:00:00.000Z_01JD0000000000000000000001.json",
      ]);
    });

    it("never takes a finished run back to pending", async () => {
      const run = sampleRun();
      const aggregated = { ...run, state: "aggregated" as const, server: { latency_ms: 30.1 } };
      expect(await store.putRun(aggregated)).toBe("created");
      expect(await store.putRun(run)).toBe("kept");
      expect(await store.getRun(runKey(run))).toEqual(aggregated);
      const failed = sampleRun({ id: "01JD0000000000000000000002", state: "failed", reason: "no answer" });
      await store.putRun(failed);
      expect(await store.putRun({ ...failed, state: "pending" })).toBe("kept");
      expect((await store.getRun(runKey(failed)))?.state).toBe("failed");
    });

    it("keys a record by its UTC start time whatever offset it was written with", async () => {
      const run = sampleRun({
        started_at: "2026-11-24T11:00:00+01:00",
        ended_at: "2026-11-24T11:01:00+01:00",
      });
      await store.putRun(run);
      expect(await collect(store.listRunKeys())).toEqual([
        "runs/kinto/stage/2026-11-24T10:00:00.000Z_01JD0000000000000000000001.json",
      ]);
    });

    it("refuses an invalid record and writes nothing", async () => {
      const bad = { ...sampleRun(), client: { requests: -1 } } as never;
      const error = await store.putRun(bad).catch((e: unknown) => e);
      expect(isDogdriverError(error) && error.code).toBe("invalid_input");
      expect((error as Error).message).toMatch(/client\.requests/);
      const escaping = sampleRun({ service: "../../etc" });
      await expect(store.putRun(escaping)).rejects.toThrow(/service/);
      expect(await collect(store.listRunKeys())).toEqual([]);
    });

    it("returns undefined for a missing record and rejects keys that are not run keys", async () => {
      expect(await store.getRun(runKey(sampleRun()))).toBeUndefined();
      await expect(store.getRun("runs/../../etc/passwd")).rejects.toThrow(/run key/);
    });

    it("lists by service, by service and env, and by env alone, in key order", async () => {
      const runs = manyRuns(24, ["kinto", "kinto-web", "web"], ["prod", "stage"]);
      // Written out of order: the listing sorts.
      for (const run of [...runs].reverse()) await store.putRun(run);
      const keys = runs.map(runKey);
      const sorted = [...keys].sort();
      expect(await collect(store.listRunKeys())).toEqual(sorted);
      expect(await collect(store.listRunKeys({ service: "kinto" }))).toEqual(
        sorted.filter((k) => k.startsWith("runs/kinto/")),
      );
      expect(await collect(store.listRunKeys({ service: "kinto", env: "prod" }))).toEqual(
        sorted.filter((k) => k.startsWith("runs/kinto/prod/")),
      );
      expect(await collect(store.listRunKeys({ env: "stage" }))).toEqual(
        sorted.filter((k) => k.split("/")[2] === "stage"),
      );
      const records = await collect(store.listRuns({ service: "web" }));
      expect(records.map(runKey)).toEqual(sorted.filter((k) => k.startsWith("runs/web/")));
      expect(records[0]).toEqual(runs.find((r) => runKey(r) === records.map(runKey)[0]));
      expect((await collect(store.listRuns())).map(runKey)).toEqual(sorted);
      expect((await collect(store.listRuns({ env: "stage" }))).map(runKey)).toEqual(
        sorted.filter((k) => k.split("/")[2] === "stage"),
      );
      await expect(collect(store.listRunKeys({ service: "../x" }))).rejects.toThrow(/service/);
    });

    it("skips objects that are not valid records when listing, and says which", async () => {
      await store.putRun(sampleRun());
      const brokenKey = "runs/kinto/stage/2026-11-24T09:00:00.000Z_BROKEN.json";
      await harness.writeRaw(store, brokenKey, '{"schema": "dogdriver.run.v1"');
      await harness.writeRaw(store, "runs/kinto/stage/notes.txt", "not a record");
      expect(await collect(store.listRunKeys())).toHaveLength(2);
      const invalid: string[] = [];
      const records = await collect(store.listRuns({}, { onInvalid: (key) => invalid.push(key) }));
      expect(records.map((r) => r.id)).toEqual(["01JD0000000000000000000001"]);
      expect(invalid).toEqual([brokenKey]);
      await expect(store.getRun(brokenKey)).rejects.toThrow(/BROKEN.*not valid JSON/);
    });

    it("creates a blob only once with ifNoneMatch", async () => {
      const etag = await store.writeBlob("claims/run-1.json", "a", { ifNoneMatch: "*" });
      const second = await store.writeBlob("claims/run-1.json", "b", { ifNoneMatch: "*" }).catch((e) => e);
      expect(second).toBeInstanceOf(StoreConflictError);
      expect((second as StoreConflictError).path).toBe("claims/run-1.json");
      expect(await store.readBlob("claims/run-1.json")).toEqual({ body: "a", etag });
    });

    it("replaces a blob with ifMatch only at the version read", async () => {
      const first = await store.writeBlob("state.json", "v1");
      const second = await store.writeBlob("state.json", "v2", { ifMatch: first });
      await expect(store.writeBlob("state.json", "v3", { ifMatch: first })).rejects.toBeInstanceOf(
        StoreConflictError,
      );
      expect((await store.readBlob("state.json"))?.body).toBe("v2");
      expect((await store.readBlob("state.json"))?.etag).toBe(second);
      await expect(store.writeBlob("missing.json", "x", { ifMatch: first })).rejects.toBeInstanceOf(
        StoreConflictError,
      );
    });

    it("keeps every increment when concurrent writers compare-and-swap one counter", async () => {
      await store.writeBlob("counter", "0", { ifNoneMatch: "*" });
      const increment = async () => {
        for (;;) {
          const current = await store.readBlob("counter");
          if (!current) throw new Error("counter vanished");
          try {
            await store.writeBlob("counter", String(Number(current.body) + 1), { ifMatch: current.etag });
            return;
          } catch (error) {
            if (!(error instanceof StoreConflictError)) throw error;
          }
        }
      };
      const workers = Array.from({ length: 6 }, async () => {
        for (let i = 0; i < 5; i++) await increment();
      });
      await Promise.all(workers);
      expect((await store.readBlob("counter"))?.body).toBe("30");
    });

    it("lets exactly one of many concurrent creators win", async () => {
      const results = await Promise.allSettled(
        Array.from({ length: 8 }, (_, i) => store.writeBlob("claims/x", `owner-${i}`, { ifNoneMatch: "*" })),
      );
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
      for (const r of results)
        if (r.status === "rejected") expect(r.reason).toBeInstanceOf(StoreConflictError);
    });

    it("lists and deletes blobs by prefix, apart from the runs", async () => {
      await store.putRun(sampleRun());
      for (const path of ["outbox/b.json", "outbox/a.json", "outbox-old/c.json", "claims/k/s/x.json"])
        await store.writeBlob(path, "{}");
      expect(await collect(store.listBlobs("outbox/"))).toEqual(["outbox/a.json", "outbox/b.json"]);
      expect(await collect(store.listBlobs("outbox"))).toEqual([
        "outbox-old/c.json",
        "outbox/a.json",
        "outbox/b.json",
      ]);
      expect(await collect(store.listBlobs(""))).toHaveLength(4);
      await store.deleteBlob("outbox/a.json");
      await store.deleteBlob("outbox/never-there.json");
      expect(await collect(store.listBlobs("outbox/"))).toEqual(["outbox/b.json"]);
      expect(await store.readBlob("outbox/a.json")).toBeUndefined();
      await expect(store.writeBlob("../escape", "x")).rejects.toThrow(/blob path/);
      await expect(store.readBlob("claims/../../runs/x")).rejects.toThrow(/blob path/);
      expect(await collect(store.listRunKeys())).toHaveLength(1);
    });
  });
