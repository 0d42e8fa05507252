import { describe, expect, it } from "vitest";
import { validateConfig } from "../../src/config/load.js";
import { notifyRoutes, unnotifiedWarnings } from "../../src/dashboards/notify-routes.js";

const service = (name: string, env: string, extra: object = {}) => ({
  name,
  env,
  endpoint: `https://${name}.example.com`,
  test: { repo: "./lt" },
  ...extra,
});

const config = (raw: object) => validateConfig(raw, "c.json", { env: {}, hostname: "h" });

describe("who the monitors notify", () => {
  it("routes by services[].notify and by the team's alerts.notify_by_team entry, one route per set of handles", () => {
    const c = config({
      alerts: { notify_by_team: { storage: ["@slack-storage"], pay: ["@pagerduty-pay"] } },
      services: [
        service("kinto", "stage", { team: "storage" }),
        service("kinto", "prod", { team: "storage", notify: ["@pagerduty-kinto"] }),
        service("web", "prod", { team: "storage" }),
        service("checkout", "prod", { team: "pay", notify: ["@slack-pay"] }),
        service("lonely", "prod"),
      ],
    });
    expect(notifyRoutes(c)).toEqual([
      // kinto's two envs are one service name: it gets the union.
      { services: ["kinto"], handles: ["@pagerduty-kinto", "@slack-storage"] },
      { services: ["web"], handles: ["@slack-storage"] },
      { services: ["checkout"], handles: ["@pagerduty-pay", "@slack-pay"] },
    ]);
    expect(unnotifiedWarnings(c)).toEqual([
      'service "lonely" (env "prod"): the dogdriver monitors notify nobody when it alerts (no alerts.notify, no services[].notify, and it has no team)',
    ]);
  });

  it("warns per silent service, names a team without an entry, and says nothing once alerts.notify is set", () => {
    const services = [service("kinto", "stage", { team: "storage" })];
    expect(unnotifiedWarnings(config({ services }))).toEqual([
      'service "kinto" (env "stage"): the dogdriver monitors notify nobody when it alerts (no alerts.notify, no services[].notify, and alerts.notify_by_team has no entry for its team "storage")',
    ]);
    expect(unnotifiedWarnings(config({ services, alerts: { notify: ["@slack-perf"] } }))).toEqual([]);
    expect(unnotifiedWarnings(config({}))).toEqual([
      "the dogdriver monitors notify nobody: set alerts.notify (or services[].notify, alerts.notify_by_team)",
    ]);
  });

  it("refuses a handle without @ and a team name with spaces, naming the key", () => {
    expect(() =>
      config({
        alerts: { notify_by_team: { "my team": ["@x"] } },
        services: [service("kinto", "stage", { notify: ["slack-kinto"] })],
      }),
    ).toThrow(
      expect.objectContaining({
        details: expect.arrayContaining([
          expect.stringMatching(/^services\[0\]\.notify\[0\]: expected a handle/),
          expect.stringMatching(/^alerts\.notify_by_team.*expected a team name/),
        ]),
      }),
    );
  });
});
