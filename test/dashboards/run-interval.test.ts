import { expect, it } from "vitest";
import { runIntervalSeconds } from "../../src/dashboards/run-interval.js";

it.each([
  ["*/30 * * * *", 1800],
  ["*/5 * * * *", 300],
  ["0 */30 * * * *", 1800], // with a seconds field
  ["* * * * *", 60],
  ["15 * * * *", 3600],
  ["0 */2 * * *", 7200],
  ["30 4 * * *", 86_400],
  ["0,30 * * * *", 3600], // a list: not one of the simple forms, so the 1 h fallback
  ["0 9 * * 1-5", 3600],
])("the period of %s is %i s", (cron, seconds) => expect(runIntervalSeconds(cron)).toBe(seconds));
