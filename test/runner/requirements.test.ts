import { readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStore } from "../../src/store/open-store.js";
import type { RunRecord } from "../../src/store/run-record.js";
import { type HttpService, startHttpService } from "../support/http-service.js";
import { refusedPort } from "../support/refused-port.js";
import { GET_SCENARIO, service, smokeTest, type Workspace, workspace } from "./runner-fixtures.js";

// molotov.json `requirements`: a real virtualenv and a real pip, with no package index reachable (as here).

describe("test requirements", () => {
  let ws: Workspace;
  let target: HttpService;
  let closedPort: number;
  beforeAll(async () => {
    ws = await workspace();
    target = await startHttpService({ delayMs: 1 });
    closedPort = await refusedPort();
  });
  afterAll(async () => {
    await Promise.all([target.close(), ws.cleanup()]);
  });

  const offlinePip = () => {
    const deps = ws.deps();
    deps.env = {
      ...deps.env,
      PIP_CONFIG_FILE: "/dev/null",
      PIP_INDEX_URL: `http://127.0.0.1:${closedPort}/simple`,
      PIP_RETRIES: "0",
    };
    return deps;
  };

  it("runs the test with molotov from a virtualenv when requirements install (an empty file)", async () => {
    const json = {
      molotov: { requirements: "requirements.txt", tests: smokeTest({ workers: 1 }).molotov.tests },
    };
    // The scenario refuses to load outside a virtualenv: proof that the venv's python ran it.
    const inVenv = `import sys\nassert sys.prefix != sys.base_prefix, "not in a virtualenv"\n${GET_SCENARIO()}`;
    await ws.testDir("withreqs", json, { "loadtest.py": inVenv, "requirements.txt": "" });
    await ws.config({ store: "file://./store", services: [service("withreqs", target.url, "./withreqs")] });
    const { exit, deps } = await ws.run({ services: ["withreqs"] }, offlinePip());
    expect(deps.stderr.text()).not.toContain("FAILED");
    expect(exit).toBe(0);
    const runs: RunRecord[] = [];
    for await (const r of openStore("file://./store", deps).listRuns()) runs.push(r);
    expect(runs).toMatchObject([{ service: "withreqs", state: "pending" }]);
    expect(
      (await readdir(join(ws.dir, "cache", "venvs"))).filter((n) => !n.includes(".partial-")),
    ).toHaveLength(1);
  });

  it("a Python that is itself a virtualenv (Molotov installed with pip into one) lends its packages to the test's", async () => {
    // A venv made from a venv's python is one of the base interpreter: without dogdriver's .pth file it would not
    // see what was installed in the first (on Debian it would find Debian's Molotov instead of the venv's).
    const parent = join(ws.dir, "parent-venv");
    await execa("/usr/bin/python3", ["-m", "venv", "--system-site-packages", "--without-pip", parent]);
    const python = join(parent, "bin", "python");
    const { stdout: site } = await execa(python, [
      "-c",
      "import sysconfig; print(sysconfig.get_paths()['purelib'])",
    ]);
    await writeFile(join(site.trim(), "only_in_parent_venv.py"), "");
    const json = {
      molotov: { requirements: "requirements.txt", tests: smokeTest({ workers: 1 }).molotov.tests },
    };
    const scenario = `import sys\nassert sys.prefix != sys.base_prefix and sys.prefix != ${JSON.stringify(parent)}\nimport only_in_parent_venv\n${GET_SCENARIO()}`;
    await ws.testDir("fromvenv", json, { "loadtest.py": scenario, "requirements.txt": "" });
    await ws.config({ store: "file://./store", services: [service("fromvenv", target.url, "./fromvenv")] });
    const deps = offlinePip();
    deps.env = { ...deps.env, DOGDRIVER_PYTHON: python };
    const { exit } = await ws.run({ services: ["fromvenv"] }, deps);
    expect(deps.stderr.text()).not.toContain("FAILED");
    expect(exit).toBe(0);
  });

  it("fails clearly, before any load, when a requirement cannot be installed", async () => {
    const json = { molotov: { requirements: "requirements.txt", tests: smokeTest().molotov.tests } };
    const dir = await ws.testDir("badreqs", json, {
      "loadtest.py": GET_SCENARIO(),
      "requirements.txt": "nosuchpkg-dogdriver==1.0\n",
    });
    await ws.config({ store: "file://./store", services: [service("badreqs", target.url, "./badreqs")] });
    const before = target.requests();
    const { exit, deps } = await ws.run({ services: ["badreqs"] }, offlinePip());
    expect(exit).toBe(5);
    expect(deps.stderr.text()).toContain(
      `badreqs/test: not run: pip install --requirement ${join(dir, "requirements.txt")} failed (exit 1): `,
    );
    expect(deps.stderr.text()).toContain("No matching distribution found for nosuchpkg-dogdriver==1.0");
    expect(target.requests()).toBe(before);
    // No half-made virtualenv is left to be reused.
    expect((await readdir(join(ws.dir, "cache", "venvs"))).filter((n) => n.includes(".partial-"))).toEqual(
      [],
    );
  });
});
