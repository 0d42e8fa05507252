import { expect, it } from "vitest";
import { limitedStore } from "../../src/store/limited-store.js";
import { openStore } from "../../src/store/open-store.js";
import type { RunStore } from "../../src/store/types.js";
import { testDeps } from "../support/deps.js";

// store_concurrency bounds the requests in flight through one handle, however the callers nest their loops.

it("keeps at most `limit` requests in flight, and every request completes", async () => {
  const store = openStore("file:///nonexistent-limited-store", testDeps({ cwd: "/" }));
  let inFlight = 0;
  let most = 0;
  const slow: RunStore = {
    ...store,
    readBlob: async (path) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 2));
      inFlight -= 1;
      return { body: path, etag: "e" };
    },
  };
  const limited = limitedStore(slow, 4);
  // Ten "batches" of ten requests each, all started at once (as parallel batches with parallel records).
  const bodies = await Promise.all(
    Array.from({ length: 10 }, (_, b) =>
      Promise.all(Array.from({ length: 10 }, (_, r) => limited.readBlob(`b${b}/r${r}.json`))),
    ),
  );
  expect(most).toBe(4);
  expect(bodies.flat().map((blob) => blob?.body)).toHaveLength(100);
  expect(bodies[9]?.[9]?.body).toBe("b9/r9.json");
});
