import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { exitCodeForError, exitCodeForOutcome } from "../../src/cli/exit-codes.js";
import { isDogdriverError } from "../../src/errors.js";
import { type RunOptions, runCommand } from "../../src/runner/run-command.js";
import type { RunnerParts } from "../../src/runner/types.js";
import type { Outcome } from "../../src/state/outcome.js";
import { type TestDeps, testDeps } from "../support/deps.js";

// Builders for the runner's tests: a working directory with a dogdriver config and molotov test directories.

/** A scenario that GETs `path` on $DOGDRIVER_ENDPOINT and fails the scenario run on a 5xx. */
export const GET_SCENARIO = (path = "/") => `import os
import molotov

ENDPOINT = os.environ["DOGDRIVER_ENDPOINT"]

@molotov.scenario(weight=100)
async def get_it(session):
    async with session.get(ENDPOINT + ${JSON.stringify(path)}) as resp:
        assert resp.status < 500, resp.status
`;

/**
 * DOGDRIVER_PYTHON from the test's own environment, when set: the real-Molotov tests then run on that Python's
 * Molotov (a later 2.x in a virtualenv, docs/runner.md "Molotov versions") instead of Debian's 2.1.
 */
export const laterMolotov = (): { DOGDRIVER_PYTHON?: string } =>
  process.env.DOGDRIVER_PYTHON ? { DOGDRIVER_PYTHON: process.env.DOGDRIVER_PYTHON } : {};

export interface Workspace {
  dir: string;
  /** Writes a test directory `name` with molotov.json (object or raw text) and files. */
  testDir(name: string, molotovJson: unknown, files?: Record<string, string>): Promise<string>;
  config(config: unknown): Promise<void>;
  deps(): TestDeps;
  parts: Partial<RunnerParts>;
  /** Runs `dogdriver run` in-process and returns its exit code, as the entry point would compute it. */
  run(options: RunOptions, deps?: TestDeps): Promise<{ exit: number; deps: TestDeps; message?: string }>;
  cleanup(): Promise<void>;
}

export const smokeTest = (options: Record<string, unknown> = {}) => ({
  molotov: { tests: { dogdriver: { duration: 1, workers: 2, ...options } } },
});

export const workspace = async (): Promise<Workspace> => {
  const dir = await mkdtemp(join(tmpdir(), "dogdriver-runner-test-"));
  const parts: Partial<RunnerParts> = {
    cacheDir: join(dir, "cache"),
    spoolDir: join(dir, "spool"),
    killGraceMs: 1500,
    datadog: async () => undefined,
  };
  const makeDeps = () =>
    testDeps({
      cwd: dir,
      env: { PATH: process.env.PATH, HOME: dir, ...laterMolotov() },
      hostname: "test-runner",
    });
  return {
    dir,
    parts,
    testDir: async (name, molotovJson, files = { "loadtest.py": GET_SCENARIO() }) => {
      const testPath = join(dir, name);
      await mkdir(testPath, { recursive: true });
      const text = typeof molotovJson === "string" ? molotovJson : JSON.stringify(molotovJson, null, 2);
      await writeFile(join(testPath, "molotov.json"), text);
      for (const [file, content] of Object.entries(files)) {
        await mkdir(dirname(join(testPath, file)), { recursive: true });
        await writeFile(join(testPath, file), content);
      }
      return testPath;
    },
    config: (config) => writeFile(join(dir, "dogdriver.config.json"), JSON.stringify(config, null, 2)),
    deps: makeDeps,
    run: async (options, deps = makeDeps()) => {
      try {
        const outcome: Outcome = await runCommand(options, deps, parts);
        return { exit: exitCodeForOutcome(outcome), deps };
      } catch (error) {
        if (!isDogdriverError(error)) throw error;
        return { exit: exitCodeForError(error.code), deps, message: error.message };
      }
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
};

/** A service entry for the config, testing with the test directory `repo` (relative to the workspace). */
export const service = (
  name: string,
  endpoint: string,
  repo: string,
  extra: Record<string, unknown> = {},
) => ({
  name,
  env: "test",
  endpoint,
  test: { repo, ...((extra.test as object) ?? {}) },
  ...Object.fromEntries(Object.entries(extra).filter(([k]) => k !== "test")),
});
