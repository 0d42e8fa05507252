import { mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFileBackend } from "../../src/store/file-store.js";
import { runKey } from "../../src/store/keys.js";
import { openStore } from "../../src/store/open-store.js";
import { createRunStore } from "../../src/store/store.js";
import type { RunStore } from "../../src/store/types.js";
import { testDeps } from "../support/deps.js";
import { manyRuns, sampleRun } from "./fixtures.js";
import { storeContract } from "./store-contract.js";

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "dogdriver-file-store-"));
});
afterAll(async () => rm(root, { recursive: true, force: true }));

let count = 0;
const fresh = (): { store: RunStore; dir: string } => {
  const dir = join(root, `store-${++count}`);
  return { store: openStore(`file://${dir}`, testDeps({ cwd: root })), dir };
};
const dirs = new Map<RunStore, string>();

storeContract("file", async () => ({
  open: async () => {
    const { store, dir } = fresh();
    dirs.set(store, dir);
    return store;
  },
  writeRaw: async (store, key, body) => {
    const path = join(dirs.get(store) ?? "", key);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, body);
  },
  close: async () => {},
}));

const walk = async (dir: string): Promise<string[]> =>
  (await readdir(dir, { recursive: true, withFileTypes: true }))
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();

describe("file store", () => {
  it("resolves a relative file:// URL against the working directory", async () => {
    const cwd = join(root, "cwd");
    const store = openStore("file://./.dogdriver", testDeps({ cwd }));
    await store.putRun(sampleRun());
    expect(await walk(join(cwd, ".dogdriver"))).toEqual([runKey(sampleRun())]);
    expect(store.url).toBe(`file://${cwd}/.dogdriver`);
  });

  it("leaves no temp file or lock behind and writes readable JSON", async () => {
    const { store, dir } = fresh();
    await store.putRun(sampleRun());
    await store.putRun({ ...sampleRun(), state: "aggregated" });
    await store.writeBlob("claims/a", "1", { ifNoneMatch: "*" });
    await store.writeBlob("claims/a", "2", { ifNoneMatch: "*" }).catch(() => {});
    await store.deleteBlob("claims/a");
    const all = (await readdir(dir, { recursive: true })).map(String);
    expect(all.filter((name) => name.split("/").some((part) => part.startsWith(".")))).toEqual([]);
    expect(JSON.parse(await readFile(join(dir, runKey(sampleRun())), "utf8")).state).toBe("aggregated");
  });

  it("a write that fails names the object and leaves no temp file or lock", async () => {
    const { store, dir } = fresh();
    await mkdir(join(dir, "_dogdriver", "state.json"), { recursive: true }); // a directory where the blob goes
    await expect(store.writeBlob("state.json", "v1")).rejects.toThrow(/state\.json: cannot write/);
    expect((await readdir(join(dir, "_dogdriver"))).sort()).toEqual(["state.json"]);
  });

  it("never shows a reader half a record while it is rewritten", async () => {
    const { store, dir } = fresh();
    const big = sampleRun({ reason: "x".repeat(200_000) });
    await store.putRun(big);
    const path = join(dir, runKey(big));
    let writing = true;
    const writer = (async () => {
      for (let i = 0; i < 30; i++) await store.putRun({ ...big, version: `1.2.${i}` });
      writing = false;
    })();
    let reads = 0;
    while (writing) {
      JSON.parse(await readFile(path, "utf8")); // throws on a torn read
      reads++;
    }
    await writer;
    expect(reads).toBeGreaterThan(0);
  });

  it("never lists half a record while it is rewritten", async () => {
    const { store } = fresh();
    const big = sampleRun({ reason: "x".repeat(200_000) });
    await store.putRun(big);
    let writing = true;
    const writer = (async () => {
      for (let i = 0; i < 30; i++) await store.putRun({ ...big, version: `1.2.${i}` });
      writing = false;
    })();
    const problems: string[] = [];
    let reads = 0;
    while (writing) {
      for await (const run of store.listRuns({}, { onInvalid: (_key, problem) => problems.push(problem) })) {
        expect(run.reason).toHaveLength(200_000);
        reads++;
      }
      await new Promise((resolve) => setImmediate(resolve)); // the reads are synchronous: let the writer on
    }
    await writer;
    expect(problems).toEqual([]);
    expect(reads).toBeGreaterThan(0);
  });

  it("lets the event loop run between slices of a long listing", async () => {
    const dir = join(root, `store-${++count}`);
    const log = testDeps({ cwd: root }).log;
    const writer = openStore(`file://${dir}`, testDeps({ cwd: root }));
    for (const run of manyRuns(40)) await writer.putRun(run);
    const store = createRunStore(createFileBackend(dir, { readSliceMs: 0 }), log);
    let turns = 0;
    let ticking = true;
    const tick = () => {
      turns++;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    const seen: number[] = [];
    for await (const _ of store.listRuns()) seen.push(turns);
    ticking = false;
    expect(seen).toHaveLength(40);
    // With a zero slice every record is its own slice: the loop turned between every two of them.
    expect((seen.at(-1) ?? 0) - (seen[0] ?? 0)).toBeGreaterThanOrEqual(39);
  });

  it("skips a record deleted after it was listed and fails on one it cannot read", async () => {
    const { dir } = fresh();
    await mkdir(join(dir, "runs", "kinto", "stage", "2026-11-24T10:00:00.000Z_DIR.json"), {
      recursive: true,
    });
    const backend = createFileBackend(dir);
    const read = async (keys: string[]) => {
      const out: (string | undefined)[] = [];
      for await (const batch of backend.readBodies(
        (async function* () {
          yield keys;
        })(),
      ))
        for (const { body } of batch) out.push(body);
      return out;
    };
    expect(await read(["runs/kinto/stage/2026-11-24T09:00:00.000Z_GONE.json"])).toEqual([undefined]);
    await expect(read(["runs/kinto/stage/2026-11-24T10:00:00.000Z_DIR.json"])).rejects.toThrow(
      /2026-11-24T10:00:00.000Z_DIR.json: cannot read/,
    );
  });

  it("breaks a lock left by a crashed writer", async () => {
    const { store, dir } = fresh();
    await store.writeBlob("state.json", "v1");
    const lock = join(dir, "_dogdriver", ".state.json.lock");
    await mkdir(lock);
    const old = new Date(Date.now() - 60_000);
    await utimes(lock, old, old);
    await store.writeBlob("state.json", "v2");
    expect((await store.readBlob("state.json"))?.body).toBe("v2");
  });

  it("breaks a stale lock only as the one breaker, and clears a breaker that crashed", async () => {
    const { store, dir } = fresh();
    await store.writeBlob("state.json", "v1");
    const lock = join(dir, "_dogdriver", ".state.json.lock");
    const old = new Date(Date.now() - 60_000);
    await mkdir(lock);
    await utimes(lock, old, old);
    // Another process is breaking this lock (and may already have handed it to a new holder): wait for it.
    await mkdir(`${lock}.break`);
    const write = store.writeBlob("state.json", "v2");
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await store.readBlob("state.json"))?.body).toBe("v1");
    await rm(`${lock}.break`, { recursive: true });
    await write;
    expect((await store.readBlob("state.json"))?.body).toBe("v2");
    // A breaker that crashed left its directory behind: stale too, so it goes, and then the lock.
    await mkdir(lock);
    await mkdir(`${lock}.break`);
    await utimes(lock, old, old);
    await utimes(`${lock}.break`, old, old);
    await store.writeBlob("state.json", "v3");
    expect((await store.readBlob("state.json"))?.body).toBe("v3");
    expect((await readdir(join(dir, "_dogdriver"))).filter((name) => name.startsWith("."))).toEqual([]);
  });

  it("refuses a run whose key another run already holds (a case-insensitive file system)", async () => {
    const { store, dir } = fresh();
    const run = sampleRun({ id: "01JDABC" });
    await mkdir(dirname(join(dir, runKey(run))), { recursive: true });
    // What a case-insensitive file system shows for id 01JDabc when 01JDABC is stored.
    await writeFile(join(dir, runKey(sampleRun({ id: "01JDabc" }))), JSON.stringify(run));
    await expect(store.putRun(sampleRun({ id: "01JDabc" }))).rejects.toThrow(/already holds run 01JDABC/);
  });

  it("lists thousands of records in one directory in key order, skipping stray files", async () => {
    const { store, dir } = fresh();
    const folder = join(dir, "runs", "kinto", "stage");
    await mkdir(folder, { recursive: true });
    const names = Array.from(
      { length: 3000 },
      (_, i) => `${new Date(Date.parse("2026-01-01T00:00:00Z") + i * 1000).toISOString()}_ID${i}.json`,
    );
    await Promise.all([...names].reverse().map((name) => writeFile(join(folder, name), "{}")));
    await writeFile(join(folder, ".partial.tmp"), "{");
    await writeFile(join(folder, "README"), "hello");
    const keys: string[] = [];
    for await (const key of store.listRunKeys({ service: "kinto" })) keys.push(key);
    expect(keys).toEqual(names.map((n) => `runs/kinto/stage/${n}`).sort());
  });
});
