import { execa } from "execa";
import { type FoundVersions, parseVersions, probeSteps, VERSIONS_PROBE } from "../runner/molotov-support.js";
import { EXTENSION_PATH } from "../runner/runner-parts.js";

// Asks the Python the runner would use whether Molotov imports, whether dogdriver's capture extension loads on
// that Molotov (it refuses a Molotov without the methods it wraps), and, given a scenario, whether Molotov would
// find scenarios in it. Run from a neutral directory, or the test's, never from dogdriver's checkout, so that no
// folder of the working directory can pass for the package.

// Prints a line per step passed, so that the step that failed is the one after the last line: the versions
// (src/runner/molotov-support.ts), then the extension, then the scenario.
const PROBE = [
  VERSIONS_PROBE,
  "import importlib, os, runpy",
  "runpy.run_path(sys.argv[1])",
  "print('PROBE extension', flush=True)",
  "if len(sys.argv) > 2:",
  "    sys.path.insert(0, os.getcwd())",
  "    scenario = sys.argv[2]",
  "    if scenario.endswith('.py'):",
  "        runpy.run_path(scenario, run_name='loadtest')",
  "    else:",
  "        importlib.import_module(scenario)",
  "    from molotov.api import get_scenarios",
  "    print('PROBE scenarios', len(get_scenarios()), flush=True)",
].join("\n");

const PROBE_TIMEOUT_MS = 30_000;

export interface ProbeResult extends FoundVersions {
  /** Whether dogdriver's capture extension loaded on it. */
  extension: boolean;
  /** Scenarios the file registered (with a scenario to load). */
  scenarios?: number;
  /** The exception line when something failed ("ModuleNotFoundError: No module named 'molotov'"). */
  error?: string;
}

export interface ProbeInput {
  python: string;
  cwd: string;
  env: Record<string, string>;
  scenario?: string;
  signal: AbortSignal;
}

/** Runs the probe; never throws. */
export const probeMolotov = async ({
  python,
  cwd,
  env,
  scenario,
  signal,
}: ProbeInput): Promise<ProbeResult> => {
  const result = await execa(python, ["-c", PROBE, EXTENSION_PATH, ...(scenario ? [scenario] : [])], {
    cwd,
    env: { ...env, PYTHONDONTWRITEBYTECODE: "1" }, // no __pycache__ left in the test directory
    extendEnv: false,
    reject: false,
    timeout: PROBE_TIMEOUT_MS,
    cancelSignal: signal,
    stdin: "ignore",
  });
  const steps = probeSteps(String(result.stdout));
  const out: ProbeResult = {
    ...parseVersions(steps),
    extension: steps.has("extension"),
    ...(steps.has("scenarios") ? { scenarios: Number(steps.get("scenarios")) } : {}),
  };
  if (result.exitCode === 0) return out;
  const lines = String(result.stderr).trim().split("\n");
  const error =
    result.exitCode === undefined
      ? String(result.shortMessage)
      : (lines.findLast((l) => /^[A-Za-z_][\w.]*(Error|Exception)\b/.test(l)) ?? lines.at(-1) ?? "no output");
  return { ...out, error: error.slice(0, 300) };
};
