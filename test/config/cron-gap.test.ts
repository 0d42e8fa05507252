import { describe, expect, it } from "vitest";
import { longestCronGapMs } from "../../src/config/cron-gap.js";

const MIN = 60_000;

describe("longestCronGapMs", () => {
  it.each([
    ["*/5 * * * *", 5 * MIN],
    // 56 to the next hour's 0 is 4 minutes; 49 to 56 is the longest.
    ["*/7 * * * *", 7 * MIN],
    ["0 */2 * * *", 120 * MIN],
    ["30 */10 * * * *", 10 * MIN],
    ["* * * * * *", 1000],
    // Weekdays 9:00 to 17:55: Friday 17:55 to Monday 9:00.
    ["*/5 9-17 * * 1-5", (2 * 24 * 60 + 15 * 60 + 5) * MIN],
    ["0 0 L * *", 31 * 24 * 60 * MIN],
    ["0 0 1 1 *", 365 * 24 * 60 * MIN],
    // node-schedule's shorthands: @hourly alone is past Datadog's 55 minutes.
    ["@hourly", 60 * MIN],
    ["@daily", 24 * 60 * MIN],
  ])("%s: %d ms", (cron, expected) => {
    expect(longestCronGapMs(cron)).toBe(expected);
  });

  it("is undefined for what cron-parser cannot read", () => {
    expect(longestCronGapMs("0 0 30 2 *")).toBeUndefined();
    expect(longestCronGapMs("soon a b c d")).toBeUndefined();
  });
});
