import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { molotovFlags, readTestPlan } from "../../src/runner/molotov-config.js";

describe("molotov.json", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "dogdriver-molotov-json-"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));
  const plan = async (content: unknown, name = "dogdriver") => {
    await writeFile(join(dir, "molotov.json"), JSON.stringify(content));
    return readTestPlan(dir, name);
  };

  it("maps options to flags; false booleans leave their flag out (moloslave adds it anyway)", () => {
    expect(
      molotovFlags({
        duration: 2,
        workers: 3,
        processes: 2,
        max_runs: 5,
        delay: 0.01,
        ramp_up: 0.5,
        exception: false,
        quiet: true,
        single_run: false,
        force_shutdown: true,
        verbose: 2,
        statsd: true,
        statsd_address: "udp://127.0.0.1:8125",
      }),
    ).toEqual([
      "-d",
      "2",
      "-w",
      "3",
      "-p",
      "2",
      "-r",
      "5",
      "--delay",
      "0.01",
      "--ramp-up",
      "0.5",
      "--statsd-address",
      "udp://127.0.0.1:8125",
      "--statsd",
      "--force-shutdown",
      "-v",
      "-v",
    ]);
  });

  it("applies env and requirements from the file, a test's own values winning", async () => {
    const result = await plan({
      molotov: {
        env: { A: "file", B: "file" },
        requirements: "req.txt",
        tests: {
          dogdriver: { duration: 10, ramp_up: 2, env: { B: "test" }, use_extension: "ext.py", fail: 3 },
        },
      },
    });
    expect(result).toEqual({
      dir,
      scenario: "loadtest.py",
      flags: ["-d", "10", "--ramp-up", "2"],
      extensions: ["ext.py"],
      env: { A: "file", B: "test" },
      requirements: join(dir, "req.txt"),
      expectedMs: 12_000,
      durationMs: 10_000,
      failThreshold: 3,
      origin: `${join(dir, "molotov.json")}, test "dogdriver"`,
    });
  });

  it("keeps every path inside the test directory", async () => {
    await expect(
      plan({ molotov: { tests: { dogdriver: { duration: 1, scenario: "../../etc/x.py" } } } }),
    ).rejects.toThrow(
      `${join(dir, "molotov.json")}: \`molotov.tests.dogdriver.scenario\`: expected a path inside the test directory, got "../../etc/x.py"`,
    );
    await expect(
      plan({ molotov: { requirements: "/etc/passwd", tests: { dogdriver: { duration: 1 } } } }),
    ).rejects.toThrow("`molotov.requirements`: expected a path inside the test directory");
  });

  it("names every wrong field", async () => {
    await expect(
      plan({ molotov: { tests: { dogdriver: { duration: -1, exception: "yes" } } } }),
    ).rejects.toMatchObject({
      code: "invalid_input",
      details: [
        "molotov.tests.dogdriver.duration: expected a number above 0",
        "molotov.tests.dogdriver.exception: expected true or false, got a string",
      ],
    });
    await expect(plan({ tests: {} })).rejects.toThrow("molotov: expected an object (missing)");
  });
});
