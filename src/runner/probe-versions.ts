import { execFile } from "node:child_process";
import { DogdriverError } from "../errors.js";
import {
  type FoundVersions,
  parseVersions,
  probeSteps,
  unsupportedVersions,
  VERSIONS_PROBE,
} from "./molotov-support.js";

// `run` asks the Python it will start Molotov with which Molotov and Python it has before any test starts, so an
// unsupported pair is one clear message (exit 3) rather than a crash inside every test. node:child_process, not
// execa: `run` keeps its module graph small (test/runner/module-graph.test.ts).

const PROBE_TIMEOUT_MS = 30_000;

/** The versions `python` reports; empty when it cannot say (not started, no molotov): the run then says why. */
const probeVersions = (
  python: string,
  env: Record<string, string>,
  signal: AbortSignal,
): Promise<FoundVersions> =>
  new Promise((resolve) => {
    // From "/": a folder of the working directory named molotov would import as a namespace package.
    execFile(
      python,
      ["-c", VERSIONS_PROBE],
      { cwd: "/", env, signal, timeout: PROBE_TIMEOUT_MS, maxBuffer: 1 << 20 },
      (_error, stdout) => resolve(parseVersions(probeSteps(String(stdout ?? "")))),
    );
  });

/** Throws the one message (exit 3) when `python`'s Molotov or Python is one dogdriver does not run on. */
export const ensureSupportedMolotov = async (
  python: string,
  env: Record<string, string>,
  signal: AbortSignal,
): Promise<void> => {
  const problem = unsupportedVersions(await probeVersions(python, env, signal), python);
  if (problem !== undefined) throw new DogdriverError("invalid_input", problem);
};
