import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { aggregateCommand } from "../../src/aggregator/aggregate-command.js";
import { provisionCommand } from "../../src/provision/provision-command.js";
import { openStore } from "../../src/store/open-store.js";
import { ENV, pendingRun, shiftedClock } from "../aggregator/fixtures.js";
import { service, smokeTest, type Workspace, workspace } from "../runner/runner-fixtures.js";
import { type Emulator, startDatadogEmulator } from "../support/datadog-emulator/index.js";
import { testDeps } from "../support/deps.js";
import { type HttpService, startHttpService } from "../support/http-service.js";

// Issue 16's "done when", end to end against the emulator: a real Molotov run, provision, aggregate. The overlays
// of the provisioned dashboard draw release and verdict events only; every event names its kind; the monitors
// name a recipient per service; and a replaced release's regression group resolves through timeout_h.

const SOURCE = "ci-runner";
const MINUTE = 60_000;

describe("release markers, event kinds and routed monitors", () => {
  let ws: Workspace;
  let dd: Emulator;
  let svc: HttpService;
  const clock = shiftedClock();
  beforeAll(async () => {
    ws = await workspace();
    dd = await startDatadogEmulator({ nowMs: () => clock.now() });
    delete ws.parts.datadog;
    svc = await startHttpService({ delayMs: 10, version: "1.2.0" });
  });
  afterAll(async () => {
    await Promise.all([svc.close(), dd.close(), ws.cleanup()]);
  });

  const env = () => ({ DD_API_KEY: dd.apiKey, DD_APP_KEY: dd.appKey, DOGDRIVER_DD_URL: dd.url });
  const deps = () => testDeps({ cwd: ws.dir, env: env(), clock });
  // Runs of a release two minutes apart from `fromMs`, with a little noise around `p95`.
  const storeRuns = async (version: string, fromMs: number, p95: number) => {
    const store = openStore("file://./store", testDeps({ cwd: ws.dir }));
    for (const [i, wobble] of [0, 0.3, -0.2, 0.1].entries())
      await store.putRun(
        pendingRun({ service: "kinto", version, startMs: fromMs + i * 2 * MINUTE, p95: p95 + wobble }),
      );
  };

  it("shows releases and verdicts only on the overlays, tags every event with its kind, routes and resolves", async () => {
    const t0 = Date.now();
    await ws.testDir("kinto-test", smokeTest());
    await ws.config({
      store: "file://./store",
      source: SOURCE,
      settle: "30s",
      services: [
        service("kinto", svc.url, "./kinto-test", { env: ENV, team: "storage" }),
        service("web", "http://127.0.0.1:9/web", "./kinto-test", { env: ENV, notify: ["@pagerduty-web"] }),
      ],
      alerts: { notify_by_team: { storage: ["@slack-storage"] } },
    });

    // 1.0.0, then 1.1.0 40% slower; provision; aggregate: release events and a regression verdict.
    await storeRuns("1.0.0", t0 - 40 * MINUTE, 10);
    await storeRuns("1.1.0", t0 - 30 * MINUTE, 14);
    const provisioned = deps();
    await provisionCommand({}, provisioned);
    expect(provisioned.stderr.text()).not.toContain("notify nobody");
    expect(await aggregateCommand({}, deps())).toBe("ok");

    // 1.2.0 (the running service) is back to 10 ms: one real run and three stored ones, aggregated later.
    await storeRuns("1.2.0", t0 - 20 * MINUTE, 11);
    const run = await ws.run({ services: ["kinto"] }, deps());
    expect(run.exit).toBe(0);
    clock.offsetMs = 2 * MINUTE;
    expect(await aggregateCommand({}, deps())).toBe("ok");

    const events = dd.events();
    const kindOf = (tags: string[]) => tags.filter((t) => t.startsWith("dogdriver_event:"));
    for (const e of events) {
      expect(kindOf(e.tags)).toHaveLength(1);
      expect(e.tags).toContain("dogdriver");
      expect(e.tags.some((t) => t.startsWith("source:"))).toBe(false);
    }
    const kinds = events.map((e) => kindOf(e.tags)[0]).sort();
    expect(kinds).toEqual([
      "dogdriver_event:release",
      "dogdriver_event:release",
      "dogdriver_event:release",
      "dogdriver_event:run_end",
      "dogdriver_event:run_start",
      "dogdriver_event:verdict",
      "dogdriver_event:verdict",
    ]);

    // The overlays of the dashboard provision created select exactly the release and verdict events.
    const [dashboard] = dd.dashboards();
    const overlays = [...JSON.stringify(dashboard).matchAll(/"q":"([^"]*)"/g)].map((m) => m[1] as string);
    expect(overlays.length).toBeGreaterThan(0);
    const drawn = new Set(overlays.flatMap((q) => dd.searchEvents(q, { service: "kinto", env: ENV })));
    expect([...drawn].map((e) => kindOf(e.tags)[0]).sort()).toEqual(
      kinds.filter((k) => k === "dogdriver_event:release" || k === "dogdriver_event:verdict"),
    );
    expect(overlays.flatMap((q) => dd.searchEvents(q, { service: "web", env: ENV }))).toEqual([]);

    // The verdict events name their baseline, read in rounded units and link the dashboard filtered to kinto.
    const verdicts = events.filter((e) => e.tags.includes("dogdriver_event:verdict"));
    expect(verdicts.map((e) => e.tags.find((t) => t.startsWith("baseline_version:")))).toEqual([
      "baseline_version:1.0.0",
      "baseline_version:1.1.0",
    ]);
    for (const v of verdicts) {
      expect(v.text).toMatch(/median \d+(\.\d+)? ms -> \d+(\.\d+)? ms, runs \d+ -> \d+/);
      expect(v.text).toContain(`/dashboard/${dashboard?.id}?tpl_var_service=kinto&tpl_var_env=${ENV}`);
    }

    // Every monitor names kinto's team and web's own handle.
    expect(dd.monitors()).toHaveLength(3);
    for (const m of dd.monitors()) {
      expect(m.message).toContain(
        '{{#is_exact_match "service.name" "kinto"}}@slack-storage{{/is_exact_match}}',
      );
      expect(m.message).toContain(
        '{{#is_exact_match "service.name" "web"}}@pagerduty-web{{/is_exact_match}}',
      );
    }

    // The regression group of 1.1.0 alerts, then stops reporting once 1.2.0 is compared: timeout_h resolves it.
    const regression = dd.monitors().find((m) => m.tags.includes("dogdriver_monitor:release_regression"));
    if (regression === undefined) throw new Error("no regression monitor");
    const group = (version: string) => `env:${ENV},location:${SOURCE},service:kinto,version:${version}`;
    const hour = 60 * MINUTE;
    const at = [t0 + 20 * MINUTE, t0 + 5 * hour, t0 + 9 * hour];
    expect(dd.monitorStates(regression.id, at.slice(0, 1)).get(group("1.1.0"))).toBe("Alert");
    const later = dd.monitorStates(regression.id, at);
    expect([later.get(group("1.1.0")), later.get(group("1.2.0"))]).toEqual(["OK", "OK"]);
    // Without timeout_h the replaced release would stay triggered for good.
    expect(dd.monitorStates(regression.id, at, { timeout_h: 0 }).get(group("1.1.0"))).toBe("Alert");
  }, 60_000);
});
