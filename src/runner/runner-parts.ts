import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Config } from "../config/types.js";
import type { DatadogApi } from "../datadog/types.js";
import type { Deps } from "../state/deps.js";
import { openStore } from "../store/open-store.js";
import type { RunnerParts } from "./types.js";

// The runner's outside world, built in one place from the environment.
// DOGDRIVER_PYTHON: the Python that has molotov (default: the interpreter of the `molotov` script on PATH, since
// the python3 on PATH may be another one without molotov, docs/runner.md). DOGDRIVER_CACHE_DIR: checkouts
// and virtualenvs (default $XDG_CACHE_HOME/dogdriver or ~/.cache/dogdriver). DOGDRIVER_SPOOL_DIR (or
// `spool`): records waiting for an unreachable store (default ./.dogdriver-spool).

const KILL_GRACE_MS = 3000;

// An S3 write that fails after the SDK's own quick retries is tried again over about half a minute before the
// record goes to the local spool: on an ephemeral runner (a pod) the spool may die with it.
const S3_RETRY_DELAYS_MS = [1000, 3000, 9000, 20_000];

/** extension/dogdriver_ext.py, found from this file in src/runner or dist/runner. */
export const EXTENSION_PATH = fileURLToPath(new URL("../../extension/dogdriver_ext.py", import.meta.url));

/** The Python named by the shebang of the first `molotov` script on PATH that has one, or python3. */
export const findPython = (env: Deps["env"]): string => {
  if (env.DOGDRIVER_PYTHON) return env.DOGDRIVER_PYTHON;
  for (const dir of (env.PATH ?? "").split(":").filter(Boolean)) {
    let first: string;
    try {
      first = readFileSync(join(dir, "molotov"), "utf8").split("\n", 1)[0] ?? "";
    } catch {
      continue; // not in this directory
    }
    // "#!/usr/bin/python3" or "#!/usr/bin/env python3"; a shell shim (pyenv) names no Python: look further.
    const [interpreter, argument] = first.replace(/^#!\s*/, "").split(/\s+/);
    const python = interpreter?.endsWith("/env") ? argument : interpreter;
    if (first.startsWith("#!") && python && /(^|\/)python[\d.]*$/.test(python)) return python;
  }
  return "python3";
};

// Only for discovery from the Software Catalog (`discover.datadog`): that is the one thing `run` asks Datadog, over
// plain fetch. Its start/stop events go through the store's outbox, and no part of `run` loads Datadog's official
// client (~1.8 s and ~180 MB: test/runner/module-graph.test.ts).
const loadDatadog = async (config: Config, deps: Deps): Promise<DatadogApi | undefined> => {
  if (!config.discover?.datadog || !deps.env.DD_API_KEY) return undefined;
  const { datadogFromEnv } = await import("../datadog/client.js");
  return datadogFromEnv(config, deps);
};

export const defaultRunnerParts = (config: Config, deps: Deps): RunnerParts => {
  const home = deps.env.HOME ?? deps.cwd;
  return {
    // The store outlives an interrupt: a stopped run still records why it failed.
    openStore: (url) => openStore(url, { ...deps, signal: new AbortController().signal }),
    datadog: () => loadDatadog(config, deps),
    python: findPython(deps.env),
    cacheDir:
      deps.env.DOGDRIVER_CACHE_DIR ?? join(deps.env.XDG_CACHE_HOME ?? join(home, ".cache"), "dogdriver"),
    spoolDir: resolve(deps.cwd, deps.env.DOGDRIVER_SPOOL_DIR || config.spoolDir || ".dogdriver-spool"),
    storeRetryDelaysMs: config.store.startsWith("s3://") ? S3_RETRY_DELAYS_MS : [],
    extensionPath: EXTENSION_PATH,
    killGraceMs: KILL_GRACE_MS,
  };
};
