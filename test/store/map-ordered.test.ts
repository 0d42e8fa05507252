import { describe, expect, it } from "vitest";
import { mapOrdered } from "../../src/store/map-ordered.js";

// Calls that finish only when the test says so: what is in flight at each step is exact, not timed.
const controlled = () => {
  const started: number[] = [];
  const finish = new Map<number, { resolve: (v: string) => void; reject: (e: Error) => void }>();
  let running = 0;
  let maxRunning = 0;
  const fn = (item: number) =>
    new Promise<string>((resolve, reject) => {
      started.push(item);
      running++;
      maxRunning = Math.max(maxRunning, running);
      finish.set(item, {
        resolve: (v) => {
          running--;
          resolve(v);
        },
        reject: (e) => {
          running--;
          reject(e);
        },
      });
    });
  return { fn, started, finish, max: () => maxRunning };
};

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe("mapOrdered", () => {
  it("yields in input order with at most `concurrency` calls in flight", async () => {
    const { fn, finish, max } = controlled();
    const out: string[] = [];
    const done = (async () => {
      for await (const v of mapOrdered([0, 1, 2, 3, 4, 5, 6, 7], 3, fn)) out.push(v);
    })();
    for (const item of [7, 6, 5, 4, 3, 2, 1, 0]) {
      await settle();
      finish.get(item)?.resolve(`r${item}`);
      // Items started later are finished first where they exist; the rest are finished in order below.
    }
    for (let i = 0; i < 8; i++) {
      await settle();
      finish.get(i)?.resolve(`r${i}`);
    }
    await done;
    expect(out).toEqual(["r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7"]);
    expect(max()).toBe(3);
  });

  it("keeps starting calls behind a slow head, up to the lookahead", async () => {
    const { fn, started, finish, max } = controlled();
    const out: string[] = [];
    const done = (async () => {
      for await (const v of mapOrdered([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 2, fn, 4)) out.push(v);
    })();
    await settle();
    expect(started).toEqual([0, 1]);
    // Item 0 hangs; the others finish as soon as they start.
    for (let round = 0; round < 10; round++) {
      for (const item of started) if (item !== 0) finish.get(item)?.resolve(`r${item}`);
      await settle();
    }
    // 0 still running, 1-5 finished and waiting: the window (2 + 4) is full, nothing more starts.
    expect(started).toEqual([0, 1, 2, 3, 4, 5]);
    expect(out).toEqual([]);
    finish.get(0)?.resolve("r0");
    for (let round = 0; round < 10; round++) {
      await settle();
      for (const item of started) finish.get(item)?.resolve(`r${item}`);
    }
    await done;
    expect(out).toEqual(["r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9"]);
    expect(max()).toBe(2);
  });

  it("without lookahead, waits for the head before starting more", async () => {
    const { fn, started, finish } = controlled();
    const done = (async () => {
      for await (const _ of mapOrdered([0, 1, 2, 3], 2, fn));
    })();
    await settle();
    finish.get(1)?.resolve("r1");
    await settle();
    expect(started).toEqual([0, 1]);
    for (let round = 0; round < 5; round++) {
      for (const item of started) finish.get(item)?.resolve(`r${item}`);
      await settle();
    }
    await done;
    expect(started).toEqual([0, 1, 2, 3]);
  });

  it("throws a failed call's error in order, after the calls in flight have ended, and closes the source", async () => {
    const { fn, finish } = controlled();
    let closed = false;
    const items = (function* () {
      try {
        for (let i = 0; ; i++) yield i;
      } finally {
        closed = true;
      }
    })();
    const done = (async () => {
      const out: string[] = [];
      for await (const v of mapOrdered(items, 3, fn, 3)) out.push(v);
      return out;
    })();
    const outcome = done.then(
      () => "resolved",
      (e: Error) => e.message,
    );
    await settle();
    finish.get(0)?.resolve("r0");
    finish.get(1)?.reject(new Error("boom"));
    for (let round = 0; round < 5; round++) {
      await settle();
      for (let i = 2; i < 10; i++) finish.get(i)?.resolve(`r${i}`);
    }
    expect(await outcome).toBe("boom");
    expect(closed).toBe(true);
  });
});
