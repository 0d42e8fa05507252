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

  it("never reads past the test's length: while Molotov finishes it says so", () => {
    const stderr = captured(true);
    const clock = manualClock();
    const start = clock.now();
    const progress = startProgress("kinto/stage", 30_000, { stderr, clock });
    const lines: string[] = [];
    for (const at of [29_600, 30_000, 30_400, 31_000, 33_900]) {
      clock.advance(at - (clock.now() - start));
      progress.update(statsWith([42]));
      lines.push(stderr.text().split("\r\x1b[2K").at(-1) ?? "");
    }
    expect(lines.map((l) => l.split(",").slice(0, 2).join(","))).toEqual([
      "kinto/stage: 29s/30s, 1 requests",
      "kinto/stage: 30s/30s, finishing",
      "kinto/stage: 30s/30s, finishing",
      "kinto/stage: 30s/30s, finishing (+1s)",
      "kinto/stage: 30s/30s, finishing (+3s)",
    ]);
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
