import { describe, expect, it } from "vitest";
import { ClientStats } from "../../src/runner/client-stats.js";
import { startProgress } from "../../src/runner/progress.js";
import { captured, manualClock } from "../support/deps.js";

const statsWith = (latencies: number[]) => {
  const stats = new ClientStats();
  for (const latencyMs of latencies)
    stats.add({ startedAtMs: 0, method: "GET", path: "/", status: 200, latencyMs });
  return stats;
};

describe("progress", () => {
  it("rewrites one live line on a terminal and clears it at the end", () => {
    const stderr = captured(true);
    const clock = manualClock();
    const progress = startProgress("kinto/stage", 30_000, { stderr, clock });
    clock.advance(12_000);
    progress.update(statsWith([42, 42, 42]));
    progress.done();
    expect(stderr.text()).toBe("\r\x1b[2Kkinto/stage: 12s/30s, 3 requests, 0 errors, p95 42.0 ms\r\x1b[2K");
  });

  it("prints a plain line every 10 s otherwise", () => {
    const stderr = captured(false);
    const clock = manualClock();
    const progress = startProgress("kinto/stage", undefined, { stderr, clock });
    for (let s = 1; s <= 21; s++) {
      clock.advance(1000);
      progress.update(statsWith([]));
    }
    progress.done();
    expect(stderr.text()).toBe(
      "kinto/stage: 10s, 0 requests, 0 errors, p95 -\nkinto/stage: 20s, 0 requests, 0 errors, p95 -\n",
    );
  });
});
