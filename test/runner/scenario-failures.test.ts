import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStore } from "../../src/store/open-store.js";
import type { RunRecord } from "../../src/store/run-record.js";
import { isUsable } from "../../src/verdicts/release-history.js";
import { type HttpService, startHttpService } from "../support/http-service.js";
import { service, smokeTest, type Workspace, workspace } from "./runner-fixtures.js";

// Failed scenario runs are failures of the test, even when every HTTP answer was a 200: real Molotov, real
// scenarios that raise, against the project's test service.

/** Raises on 2 of every 5 scenario runs of each worker (40%), after a request that got a 200. */
const FORTY_PERCENT = `import os
import molotov

ENDPOINT = os.environ["DOGDRIVER_ENDPOINT"]
runs = {}

@molotov.scenario(weight=100)
async def flaky(session, *args):
    async with session.get(ENDPOINT + "/") as resp:
        assert resp.status == 200
    n = runs[id(session)] = runs.get(id(session), 0) + 1
    assert n % 5 not in (1, 3), "token\\tmismatch at http://user:secret@127.0.0.1/x \\x01step %d" % n
`;

/** Raises from its 30th scenario run on: with "exception": true molotov stops there. */
const STOPS_AT_30 = `import os
import molotov

ENDPOINT = os.environ["DOGDRIVER_ENDPOINT"]
count = [0]

@molotov.scenario(weight=100)
async def breaks(session):
    count[0] += 1
    async with session.get(ENDPOINT + "/") as resp:
        assert count[0] < 30, "broke at run %d" % count[0]
`;

/** Each -p child leaves after its 20th scenario run: molotov ends long before its duration. */
const WORKERS_DIE = `import os
import molotov

ENDPOINT = os.environ["DOGDRIVER_ENDPOINT"]
count = [0]

@molotov.scenario(weight=100)
async def dies(session):
    count[0] += 1
    async with session.get(ENDPOINT + "/") as resp:
        pass
    if count[0] >= 20:
        os._exit(0)
`;

describe("scenario failures", () => {
  let ws: Workspace;
  let target: HttpService;
  beforeAll(async () => {
    ws = await workspace();
    target = await startHttpService({ delayMs: 2 });
  });
  afterAll(async () => {
    await Promise.all([target.close(), ws.cleanup()]);
  });

  const runOne = async (name: string, scenario: string, options: Record<string, unknown>) => {
    await ws.testDir(name, smokeTest(options), { "loadtest.py": scenario });
    await ws.config({ store: "file://./store", services: [service(name, target.url, `./${name}`)] });
    const result = await ws.run({ services: [name], json: true });
    const records: RunRecord[] = [];
    for await (const r of openStore("file://./store", ws.deps()).listRuns({ service: name })) records.push(r);
    expect(records).toHaveLength(1);
    return { ...result, record: records[0] as RunRecord };
  };

  it("a scenario failing 40% of its runs on 200 answers: error rate 40%, messages kept, left out of verdicts", async () => {
    const { exit, deps, record } = await runOne("flaky", FORTY_PERCENT, { duration: 2, workers: 2 });
    expect(exit).toBe(0);
    const { client } = record;
    expect(client.errors).toBe(0);
    expect(client.scenario_runs).toBeGreaterThan(50);
    // Whole cycles of 5 fail 2 runs; a worker cut at -d leaves at most 4 runs of a cycle.
    expect(Math.abs((client.failures ?? 0) - 0.4 * (client.scenario_runs ?? 0))).toBeLessThanOrEqual(2 * 2);
    expect(client.error_rate).toBeCloseTo(0.4, 1);
    // Distinct messages (the step number differs), cleaned: no tab or control character, no password.
    expect(client.failure_messages).toHaveLength(5);
    expect(client.failure_messages?.[0]).toMatch(
      /^AssertionError: token mismatch at http:\/\/\*\*\*@127\.0\.0\.1\/x {2}step \d+$/,
    );
    expect(JSON.stringify(record)).not.toContain("secret");
    expect(record.state).toBe("pending");
    // runner_saturated may join it on a busy machine (runner-saturation.test.ts).
    expect((record.flags ?? []).filter((f) => f !== "runner_saturated")).toEqual(["error_rate_high"]);
    expect(isUsable(record)).toBe(false);
    // The summary line and --json say it too.
    expect(deps.stderr.text()).toMatch(
      new RegExp(
        `flaky/test: 1\\.0\\.0: \\d+ requests, 0 errors, ${client.failures} of ${client.scenario_runs} scenario runs failed \\(AssertionError: token mismatch .*\\), error rate 4\\d(\\.\\d+)?%, .*; flagged (runner_saturated, )?error_rate_high: left out of verdicts`,
      ),
    );
    expect(JSON.parse(deps.stdout.text()).client).toMatchObject({
      failures: client.failures,
      scenario_runs: client.scenario_runs,
    });
  });

  it('"exception": true stops molotov at the first failure: a failed record with the reason, exit 5', async () => {
    const { exit, record } = await runOne("stops", STOPS_AT_30, { duration: 6, workers: 1, exception: true });
    expect(exit).toBe(5);
    expect(record.state).toBe("failed");
    expect(record.reason).toMatch(
      /^molotov stopped at a failed scenario run \(molotov\.json "exception": true\) after \d+\.\d s of a 6\.0 s test: AssertionError: broke at run 30$/,
    );
    expect(record.client).toMatchObject({ failures: 1, scenario_runs: 30 });
    expect(Date.parse(record.ended_at) - Date.parse(record.started_at)).toBeLessThan(5000);
    expect(isUsable(record)).toBe(false);
  });

  it("workers that die end the test early: a failed record saying how long it lasted", async () => {
    const { exit, record } = await runOne("dies", WORKERS_DIE, { duration: 6, workers: 1, processes: 2 });
    expect(exit).toBe(5);
    expect(record.state).toBe("failed");
    expect(record.reason).toMatch(
      /^molotov ended after \d+\.\d s of a 6\.0 s test \(scenario runs: \d+ ok, 0 failed\)$/,
    );
  });
});
