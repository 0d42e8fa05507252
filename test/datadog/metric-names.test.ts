import { describe, expect, it } from "vitest";
import { checkMetricName, normaliseTag, normaliseTags } from "../../src/datadog/metric-names.js";

// Datadog's naming rules (docs metrics/custom_metrics, getting_started/tagging), applied before anything is sent.

describe("metric names", () => {
  it.each(["dogdriver.run.latency.p95", "a", "A_b.C9", `m${"x".repeat(199)}`])("keeps %s", (name) => {
    expect(checkMetricName(name)).toBe(name);
  });

  it.each([
    "",
    "9lives",
    "_private",
    "dogdriver.run latency",
    "dogdriver-run",
    "déjà.vu",
    `m${"x".repeat(200)}`,
  ])("refuses %j, naming it", (name) => {
    expect(() => checkMetricName(name)).toThrow(
      `metric name "${name}": expected a letter followed by ASCII letters, digits, "_" or "." (at most 200 characters)`,
    );
  });
});

describe("tags", () => {
  it.each([
    ["service:Kinto", "service:kinto"],
    ["version:1.2.0-RC1", "version:1.2.0-rc1"],
    ["host:Web-1.EU", "host:Web-1.EU"],
    ["device:/dev/SDA", "device:/dev/SDA"],
    ["region:eu west", "region:eu_west"],
    ["path:/api/v1?x=1", "path:/api/v1_x_1"],
    ["équipe:café", "équipe:café"],
    ["dogdriver", "dogdriver"],
  ])("%s is stored as %s", (tag, stored) => {
    expect(normaliseTag(tag)).toBe(stored);
  });

  it.each(["1abc:x", "service:", ":x", `k:${"v".repeat(199)}`])("refuses %j", (tag) => {
    expect(() => normaliseTag(tag)).toThrow(`tag "${tag}": expected key:value starting with a letter`);
  });

  it("drops duplicates that normalise to the same tag", () => {
    expect(normaliseTags(["env:Stage", "env:stage", "service:kinto"])).toEqual([
      "env:stage",
      "service:kinto",
    ]);
  });
});
