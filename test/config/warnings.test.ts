import { describe, expect, it } from "vitest";
import { validateConfig } from "../../src/config/load.js";
import { configWarnings } from "../../src/config/warnings.js";

const service = (timeout?: string) => ({
  name: "checkout",
  env: "prod",
  endpoint: "https://checkout.example.com",
  test: { repo: "./loadtests", ...(timeout === undefined ? {} : { timeout }) },
});

const warningsFor = (raw: Record<string, unknown>) =>
  configWarnings(validateConfig(raw, "dogdriver.config.json", { env: {}, hostname: "runner" }));

describe("configWarnings", () => {
  it("names the service and every number when a run's points can be older than 55 minutes", () => {
    expect(warningsFor({ services: [service("50m")] })).toEqual([
      'service "checkout" (env "prod"): test.timeout 50m + settle 10m + up to 5m until the next aggregate ("*/5 * * * *") = 1h5m, beyond the 55m within which Datadog accepts a run\'s points; lower settle or test.timeout, or run aggregate more often',
    ]);
  });

  it("names a metric filter that silences a monitor", () => {
    expect(warningsFor({ metrics: { exclude: ["dogdriver.release.*"] } })).toEqual([
      "metrics.include/exclude leave out dogdriver.release.change_pct: the dogdriver monitor that alerts on it will never fire",
      "metrics.include/exclude leave out dogdriver.release.verdict: the dogdriver monitor that alerts on it will never fire",
    ]);
    expect(
      warningsFor({ metrics: { exclude: ["dogdriver.run.latency.p75", "dogdriver.run.server.*"] } }),
    ).toEqual([]);
    // Leaving out the endpoint metrics silences only the per-endpoint monitor, when there is one.
    const noEndpoints = { exclude: ["dogdriver.release.endpoint.*"] };
    expect(warningsFor({ metrics: noEndpoints })).toEqual([]);
    expect(warningsFor({ metrics: noEndpoints, endpoints: { monitors: true } })).toEqual([
      "metrics.include/exclude leave out dogdriver.release.endpoint.change_pct: the dogdriver monitor that alerts on it will never fire",
      "metrics.include/exclude leave out dogdriver.release.endpoint.verdict: the dogdriver monitor that alerts on it will never fire",
    ]);
  });

  it("accepts exactly 55 minutes and warns one second beyond", () => {
    expect(warningsFor({ services: [service("40m")] })).toEqual([]);
    expect(warningsFor({ services: [service("40m1s")] })).toHaveLength(1);
  });

  it("assumes the runner's 30-minute limit when test.timeout is unset", () => {
    expect(warningsFor({ services: [service()] })).toEqual([]);
    expect(warningsFor({ settle: "20m", services: [service()] })).toEqual([]);
    const [line] = warningsFor({ settle: "20m1s", services: [service()] });
    expect(line).toContain(
      "test.timeout 30m (unset: the runner's limit for a test without a duration) + settle 20m1s + up to 5m",
    );
  });

  it("takes the aggregate schedule's longest gap, not its usual one", () => {
    const schedule = { aggregate: "0,15,20 * * * *" };
    expect(warningsFor({ schedule, services: [service("5m")] })).toEqual([]);
    // 20 past to the next hour's 0: 40 minutes.
    expect(warningsFor({ schedule, services: [service("5m1s")] })[0]).toContain(
      'up to 40m until the next aggregate ("0,15,20 * * * *") = 55m1s',
    );
  });

  it("says nothing without services or with a schedule node-schedule cannot read", () => {
    expect(warningsFor({ settle: "2h" })).toEqual([]);
    expect(warningsFor({ schedule: { aggregate: "0 0 30 2 *" }, services: [service("2h")] })).toEqual([]);
  });

  it("gives one line per service that is over", () => {
    const services = [
      service("45m"),
      { ...service("5m"), name: "search" },
      { ...service("1h"), env: "stage" },
    ];
    expect(warningsFor({ services }).map((line) => line.split(":")[0])).toEqual([
      'service "checkout" (env "prod")',
      'service "checkout" (env "stage")',
    ]);
  });
});
