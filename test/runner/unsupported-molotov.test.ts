import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDeps } from "../support/deps.js";
import { type HttpService, startHttpService } from "../support/http-service.js";
import { standInMolotovPython } from "../support/stand-in-molotov.js";
import { service, smokeTest, type Workspace, workspace } from "./runner-fixtures.js";

// `run` with a Molotov dogdriver does not run on (a stand-in package, found by a real Python): one message naming
// what was found and what is supported, exit 3, before any test starts: no load, no record.

describe("dogdriver run with an unsupported Molotov", () => {
  let ws: Workspace;
  let target: HttpService;
  let standIns: string;
  beforeAll(async () => {
    ws = await workspace();
    target = await startHttpService({ version: "1.0.0" });
    standIns = await mkdtemp(join(tmpdir(), "dogdriver-stand-in-"));
    await ws.testDir("a", smokeTest());
    await ws.testDir("b", smokeTest());
    await ws.config({
      store: "file://./store",
      services: [service("a", target.url, "./a"), service("b", target.url, "./b")],
    });
  });
  afterAll(async () => {
    await Promise.all([target.close(), ws.cleanup(), rm(standIns, { recursive: true, force: true })]);
  });

  const runWith = async (python: string) => {
    const deps = testDeps({
      cwd: ws.dir,
      env: { PATH: process.env.PATH, HOME: ws.dir, DOGDRIVER_PYTHON: python },
    });
    return ws.run({ all: true }, deps);
  };

  it.each([
    ["1.6", {}, "Molotov 1.6 is older than 2.1"],
    ["3.0", {}, "Molotov 3.0 is newer than 2.x"],
    [
      "2.3",
      { gatherPassesLoop: true },
      "Molotov 2.3 passes loop= to asyncio.gather, which Python 3.10 removed",
    ],
  ])("Molotov %s: exit 3 with one message, nothing run", async (version, extra, why) => {
    const python = await standInMolotovPython(join(standIns, version), { version, ...extra });
    const { exit, message, deps } = await runWith(python);
    expect(exit).toBe(3);
    expect(message).toMatch(
      new RegExp(
        `^Molotov ${version.replace(".", "\\.")} on Python 3\\.\\d+\\.\\d+ \\(${python}\\) is not supported: ${why.replace(/[.=]/g, "\\$&")}\\. dogdriver runs on Molotov 2\\.x from 2\\.1 \\(before 3\\.0\\) on Python 3\\.8 to 3\\.13, `,
      ),
    );
    expect(message).toContain(
      "install a supported Molotov (pip install 'molotov>=2.5,<3') or set DOGDRIVER_PYTHON",
    );
    // Before any test: neither service was asked for its version nor loaded, nothing stored.
    expect(deps.stderr.text()).not.toMatch(/running|not run/);
    expect(target.requests()).toBe(0);
    expect(await readdir(join(ws.dir, "store")).catch(() => [])).toEqual([]);
  });
});
