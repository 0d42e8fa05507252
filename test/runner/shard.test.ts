import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DogdriverError } from "../../src/errors.js";
import { parseShard, type Shard, shardOf, takeShard } from "../../src/runner/shard.js";
import { service, type Workspace, workspace } from "./runner-fixtures.js";

// `run --all --shard I/N`: every service in exactly one shard, a stable share, few moves when the fleet changes.

const fleet = (n: number, envs = ["stage", "prod"]) =>
  Array.from({ length: n }, (_, i) => ({ name: `svc-${i}`, env: envs[i % envs.length] as string }));
const shards = (count: number): Shard[] => Array.from({ length: count }, (_, i) => ({ index: i + 1, count }));
const owner = (services: { name: string; env: string }[], count: number) =>
  new Map(services.map((s) => [`${s.name}/${s.env}`, shardOf(s.name, s.env, count)]));

describe("shards", () => {
  it("--shard 1/4 … 4/4 cover every service exactly once, in near-equal shares", () => {
    const services = fleet(500);
    const parts = shards(4).map((shard) => takeShard(services, shard));
    const all = parts.flat().map((s) => `${s.name}/${s.env}`);
    expect(all).toHaveLength(500);
    expect(new Set(all).size).toBe(500);
    for (const part of parts) expect(Math.abs(part.length - 125)).toBeLessThan(40);
  });

  it("adding a service moves no other; a fifth shard moves only what it takes", () => {
    const before = fleet(500);
    const after = [...before, { name: "newcomer", env: "prod" }];
    const was = owner(before, 4);
    const now = owner(after, 4);
    const moved = [...was].filter(([key, shard]) => now.get(key) !== shard);
    expect(moved).toEqual([]);
    const five = owner(before, 5);
    const changed = [...was].filter(([key, shard]) => five.get(key) !== shard);
    // Rendezvous hashing: only the ~1/5 that shard 5 wins move, each to shard 5.
    expect(changed.length).toBeLessThan(140);
    expect(changed.every(([key]) => five.get(key) === 5)).toBe(true);
  });

  it("the same service in two envs is placed independently, and a restart gives the same share", () => {
    expect(takeShard(fleet(100), { index: 2, count: 3 })).toEqual(
      takeShard(fleet(100), { index: 2, count: 3 }),
    );
    const envs = fleet(200, ["stage"]).map((s) => [shardOf(s.name, "stage", 4), shardOf(s.name, "prod", 4)]);
    expect(envs.filter(([a, b]) => a !== b).length).toBeGreaterThan(100);
  });

  it("parses I/N and index/N (JOB_COMPLETION_INDEX is 0-based), refusing the rest as usage errors", () => {
    expect(parseShard("2/4", {})).toEqual({ index: 2, count: 4 });
    expect(parseShard("index/4", { JOB_COMPLETION_INDEX: "0" })).toEqual({ index: 1, count: 4 });
    expect(parseShard("index/4", { JOB_COMPLETION_INDEX: "3" })).toEqual({ index: 4, count: 4 });
    const refused: [string, Record<string, string>, RegExp][] = [
      ["0/4", {}, /I must be 1 to 4/],
      ["5/4", {}, /I must be 1 to 4/],
      ["1/0", {}, /N must be 1 to/],
      ["two/4", {}, /not a shard/],
      ["index/4", {}, /JOB_COMPLETION_INDEX is not set/],
      ["index/4", { JOB_COMPLETION_INDEX: "4" }, /not below N \(4\)/],
      ["index/4", { JOB_COMPLETION_INDEX: "x1" }, /JOB_COMPLETION_INDEX is "x1"/],
    ];
    for (const [text, env, message] of refused) {
      const error = (() => {
        try {
          parseShard(text, env);
        } catch (e) {
          return e as DogdriverError;
        }
      })();
      expect(error?.code, text).toBe("usage");
      expect(error?.message).toMatch(message);
    }
  });
});

describe("run --all --list --shard", () => {
  let ws: Workspace;
  beforeAll(async () => {
    ws = await workspace();
    await ws.testDir("t", { molotov: { tests: { dogdriver: { duration: 1 } } } });
    await ws.config({
      store: "file://./store",
      services: fleet(40).map((s) => service(s.name, "http://127.0.0.1:9", "./t", { env: s.env })),
    });
  });
  afterAll(() => ws.cleanup());

  it("lists each configured service in exactly one of the four shards, and tests nothing", async () => {
    const listed: string[] = [];
    for (const shard of ["1/4", "2/4", "3/4", "index/4"]) {
      const deps = ws.deps();
      if (shard.startsWith("index")) deps.env = { ...deps.env, JOB_COMPLETION_INDEX: "3" };
      const { exit } = await ws.run({ all: true, list: true, shard }, deps);
      expect(exit).toBe(0);
      listed.push(...deps.stdout.text().trim().split("\n").filter(Boolean));
    }
    expect(listed).toHaveLength(40);
    expect(new Set(listed.map((l) => l.split(" ").slice(0, 2).join("/"))).size).toBe(40);
    expect(listed[0]).toMatch(/^svc-\d+ (stage|prod) http:\/\/127\.0\.0\.1:9 -$/);
  });

  it("refuses --shard without --all, and a --parallel out of range", async () => {
    expect(await ws.run({ services: ["svc-1"], shard: "1/2" })).toMatchObject({
      exit: 2,
      message: /add --all/,
    });
    expect(await ws.run({ all: true, parallel: 0 })).toMatchObject({ exit: 2, message: /--parallel/ });
  });
});
