import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStore } from "../../src/store/open-store.js";
import type { RunRecord } from "../../src/store/run-record.js";
import { type HttpService, startHttpService } from "../support/http-service.js";
import { refusedPort } from "../support/refused-port.js";
import { GET_SCENARIO, service, smokeTest, type Workspace, workspace } from "./runner-fixtures.js";

// Each way a run can go wrong, with the exact message the user sees and the exit code.

describe("dogdriver run failure paths", () => {
  let ws: Workspace;
  let target: HttpService;
  let closedPort: number;
  beforeAll(async () => {
    ws = await workspace();
    target = await startHttpService({ delayMs: 1, version: "3.1.0" });
    closedPort = await refusedPort();
  });
  afterAll(async () => {
    await Promise.all([target.close(), ws.cleanup()]);
  });

  const records = async (name: string): Promise<RunRecord[]> => {
    const out: RunRecord[] = [];
    for await (const r of openStore("file://./store", ws.deps()).listRuns({ service: name })) out.push(r);
    return out;
  };

  /** Configures one service `name` testing ./<name> and runs it. */
  const runOne = async (name: string, extra: Record<string, unknown> = {}, endpoint = target.url) => {
    await ws.config({ store: "file://./store", services: [service(name, endpoint, `./${name}`, extra)] });
    return ws.run({ services: [name] });
  };

  it("missing scenario file: exit 5, nothing run, no record", async () => {
    const dir = await ws.testDir("missing", smokeTest({ scenario: "nope.py" }));
    const { exit, deps } = await runOne("missing");
    expect(exit).toBe(5);
    expect(deps.stderr.text()).toContain(
      `missing/test: not run: scenario file not found: ${join(dir, "nope.py")} (${join(dir, "molotov.json")}, test "dogdriver")`,
    );
    expect(await records("missing")).toEqual([]);
  });

  it("syntax error in the scenario: a failed record naming the line; the next service still runs", async () => {
    await ws.testDir("syntax", smokeTest(), { "loadtest.py": "import molotov\ndef broken(:\n    pass\n" });
    await ws.testDir("good", smokeTest());
    await ws.config({
      store: "file://./store",
      services: [service("syntax", target.url, "./syntax"), service("good", target.url, "./good")],
    });
    const { exit, deps } = await ws.run({ all: true });
    expect(exit).toBe(5);
    const reason =
      "molotov could not load the scenario loadtest.py: SyntaxError: invalid syntax (loadtest.py, line 2)";
    expect(deps.stderr.text()).toContain(`syntax/test: FAILED 3.1.0: ${reason}`);
    expect(await records("syntax")).toMatchObject([{ state: "failed", reason, version: "3.1.0" }]);
    expect(await records("good")).toMatchObject([{ state: "pending" }]);
  });

  it("an aiohttp without the session call the extension wraps: the extension's failure, not the scenario's", async () => {
    // Stands in for a future aiohttp: sitecustomize (on PYTHONPATH from molotov.json's env) removes the call.
    const dir = await ws.testDir("oldmolotov", smokeTest(), {
      "loadtest.py": GET_SCENARIO(),
      "shim/sitecustomize.py": "import aiohttp\ndel aiohttp.ClientSession._request\n",
    });
    await writeFile(
      join(dir, "molotov.json"),
      JSON.stringify({ molotov: { env: { PYTHONPATH: join(dir, "shim") }, ...smokeTest().molotov } }),
    );
    const { exit } = await runOne("oldmolotov");
    expect(exit).toBe(5);
    const [record] = await records("oldmolotov");
    expect(record?.state).toBe("failed");
    expect(record?.reason).toMatch(
      /^dogdriver's Molotov extension could not load: ImportError: dogdriver's Molotov extension wraps aiohttp's ClientSession\._request, which aiohttp \d[\d.]* \(under molotov 2\.\d+\) does not have \(dogdriver_ext\.py, line \d+\)$/,
    );
  });

  it("no @scenario in the file", async () => {
    await ws.testDir("noscenario", smokeTest(), { "loadtest.py": "import molotov\n" });
    const { exit } = await runOne("noscenario");
    expect(exit).toBe(5);
    expect(await records("noscenario")).toMatchObject([
      {
        state: "failed",
        reason:
          'loadtest.py defines no @molotov.scenario (molotov: "You need at least one scenario. No scenario was found.")',
      },
    ]);
  });

  it("unreachable target: every request failed", async () => {
    await ws.testDir("unreachable", smokeTest({ workers: 1 }));
    const { exit } = await runOne("unreachable", { version: "1.0.0" }, `http://127.0.0.1:${closedPort}`);
    expect(exit).toBe(5);
    const [record] = await records("unreachable");
    expect(record?.state).toBe("failed");
    expect(record?.client.errors).toBe(record?.client.requests);
    expect(record?.reason).toMatch(
      new RegExp(
        `^every one of the (\\d+) requests failed: \\1× ClientConnectorError: Cannot connect to host 127\\.0\\.0\\.1:${closedPort} `,
      ),
    );
  });

  it("a service answering only 500s", async () => {
    const failing = await startHttpService({ errorRate: 1 });
    try {
      await ws.testDir("fivehundred", smokeTest({ workers: 1 }));
      const { exit } = await runOne("fivehundred", {}, failing.url);
      expect(exit).toBe(5);
      const [record] = await records("fivehundred");
      expect(record?.reason).toBe(
        `every one of the ${failing.requests()} requests failed: ${failing.requests()}× HTTP 500`,
      );
      expect(record?.client).toMatchObject({ errors: failing.requests(), error_rate: 1 });
    } finally {
      await failing.close();
    }
  });

  it("a test that hangs is killed at test.timeout", async () => {
    await ws.testDir("hang", smokeTest({ workers: 1 }), { "loadtest.py": GET_SCENARIO("/hang") });
    const { exit } = await runOne("hang", { test: { timeout: "2s" } });
    expect(exit).toBe(5);
    expect(await records("hang")).toMatchObject([
      { state: "failed", reason: "molotov did not finish within 2s (test.timeout) and was killed" },
    ]);
  });

  it.each([
    ["syntax", "{ nope", /molotov\.json: not valid JSON: /],
    [
      "missing test",
      { molotov: { tests: { other: { duration: 1 } } } },
      /molotov\.json: `molotov\.tests\.dogdriver`: no such test \(found "other"\)$/,
    ],
    [
      "wrong type",
      { molotov: { tests: { dogdriver: { duration: 1, workers: "2" } } } },
      /molotov\.json: invalid molotov\.json: molotov\.tests\.dogdriver\.workers: expected a number, got a string$/,
    ],
    [
      "unknown key",
      { molotov: { tests: { dogdriver: { duration: 1, wrkrs: 2 } } } },
      /molotov\.json: invalid molotov\.json: molotov\.tests\.dogdriver\.wrkrs: unknown key \(did you mean "workers"\?\)$/,
    ],
    [
      "no duration",
      { molotov: { tests: { dogdriver: { workers: 2 } } } },
      /`molotov\.tests\.dogdriver`: expected "duration" \(seconds\) or "max_runs": molotov's default duration is a whole day$/,
    ],
  ])("bad molotov.json (%s): exit 3 naming the file and the path", async (_, content, message) => {
    const dir = await ws.testDir("badjson", content);
    const { exit, deps, message: final } = await runOne("badjson");
    expect(exit).toBe(3);
    const line = deps.stderr
      .text()
      .split("\n")
      .find((l) => l.startsWith("badjson/test: not run: "));
    expect(line).toContain(join(dir, "molotov.json"));
    expect(line).toMatch(message);
    expect(final).toBe("1 of 1 service(s) not run: invalid configuration or input (see above)");
    expect(await records("badjson")).toEqual([]);
  });

  it("unreachable version endpoint: exit 5, no load, no record", async () => {
    await ws.testDir("noversion", smokeTest());
    const url = `http://127.0.0.1:${closedPort}/__version__`;
    const before = target.requests();
    const { exit, deps } = await runOne("noversion", { version: { url } });
    expect(exit).toBe(5);
    expect(deps.stderr.text()).toContain(
      `noversion/test: not run: version endpoint ${url} unreachable: ECONNREFUSED`,
    );
    expect(target.requests()).toBe(before);
    expect(await records("noversion")).toEqual([]);
  });

  it("malformed version answer: exit 3 naming the URL and the field", async () => {
    const odd = await startHttpService();
    odd.setVersionMode("malformed");
    try {
      await ws.testDir("badversion", smokeTest());
      const { exit, deps } = await runOne("badversion", {}, odd.url);
      expect(exit).toBe(3);
      expect(deps.stderr.text()).toContain(
        `badversion/test: not run: version endpoint ${odd.url}/__version__: expected a JSON document with a "version" field, got "<html>not the version</html>"`,
      );
      const { exit: fieldExit, deps: fieldDeps } = await runOne("badversion", {
        version: { url: `${target.url}/__version__`, field: "build.id" },
      });
      expect(fieldExit).toBe(3);
      expect(fieldDeps.stderr.text()).toContain(`field "build.id", got no such field`);
      expect(await records("badversion")).toEqual([]);
    } finally {
      await odd.close();
    }
  });

  it("version endpoint gone after the load: the run is recorded as failed", async () => {
    const flaky = await startHttpService({ version: "5.0.0" });
    const watch = setInterval(() => {
      if (flaky.requests() > 0) flaky.setVersionMode("down");
    }, 20);
    try {
      await ws.testDir("flaky", smokeTest({ workers: 1 }));
      const { exit } = await runOne("flaky", {}, flaky.url);
      expect(exit).toBe(5);
      const [record] = await records("flaky");
      expect(record).toMatchObject({ state: "failed", version: "5.0.0" });
      expect(record?.reason).toMatch(
        new RegExp(`^after the load: version endpoint ${flaky.url}/__version__ unreachable: `),
      );
      expect(record?.client.requests).toBe(flaky.requests());
    } finally {
      clearInterval(watch);
      await flaky.close();
    }
  });
});
