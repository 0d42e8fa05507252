import { describe, expect, it } from "vitest";
import { summaryLines } from "../../src/aggregator/render.js";
import type { AggregateReport } from "../../src/aggregator/types.js";

// The summary stays a few lines however large the backlog: a pass over thousands of runs listed every
// too-old payload in one warning line (345 keys in a 1,000-run benchmark); --json keeps the whole lists.

const report = (n: number): AggregateReport => ({
  dry_run: false,
  settle_ms: 600_000,
  datadog: { read: true, write: true },
  runs: {
    processed: [],
    skipped_fresh: 0,
    claimed_elsewhere: 0,
    deferred: Array.from({ length: n }, (_, i) => ({
      key: `runs/svc/prod/d${i}.json`,
      reason: "Datadog unavailable",
    })),
    failed: Array.from({ length: n }, (_, i) => ({
      key: `runs/svc/prod/f${i}.json`,
      reason: "invalid record",
    })),
  },
  push: {
    points_sent: 0,
    points_too_old: 10 * n,
    too_old_entries: Array.from({ length: n }, (_, i) => `outbox/run/e${i}.json`),
    outbox_pending: 0,
    outbox_elsewhere: 0,
    events_posted: [],
    events_too_old: Array.from({ length: n }, (_, i) => `svc prod: release 1.${i}.0 first seen`),
  },
  verdicts_judged: [],
  calls: { queries: 0, submissions: 0, events: 0, other: 0 },
  warnings: [],
  datadog_keys: null,
});

describe("aggregate's summary", () => {
  it("lists the first five of each long list and counts the rest", () => {
    const { info, warnings } = summaryLines(report(345));
    expect(info.filter((l) => l.startsWith("  deferred "))).toHaveLength(5);
    expect(info).toContain("  and 340 more deferred (--json lists them all)");
    expect(info).toContain("  and 340 more failed (--json lists them all)");
    expect(warnings[0]).toContain("outbox/run/e4.json, and 340 more (--json lists them all)");
    expect(warnings[0]).not.toContain("e5.json");
    expect(warnings[1]).toContain("release 1.4.0 first seen; and 340 more (--json lists them all)");
  });

  it("lists short lists whole", () => {
    const { info, warnings } = summaryLines(report(5));
    expect(info.filter((l) => l.startsWith("  failed "))).toHaveLength(5);
    expect(info.join("\n")).not.toContain("more");
    expect(warnings[0]).toContain(
      "outbox/run/e0.json, outbox/run/e1.json, outbox/run/e2.json, outbox/run/e3.json, outbox/run/e4.json)",
    );
  });
});
