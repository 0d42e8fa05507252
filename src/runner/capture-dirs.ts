import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Deps } from "../state/deps.js";

// Each run captures its samples in a temporary directory, removed when the run ends. A run killed with
// SIGKILL (or a machine reset) cannot remove it, so the directory names its owner (dogdriver-run-<pid>-XXXXXX)
// and the next `run` removes those whose owner is gone. Names without a pid come from dogdriver 0.1.0.

const PREFIX = "dogdriver-run-";
const OWNED = /^dogdriver-run-(\d+)-/;

/** A fresh capture directory named after this process. */
export const makeCaptureDir = (deps: Pick<Deps, "processes">): Promise<string> =>
  mkdtemp(join(tmpdir(), `${PREFIX}${deps.processes ? `${deps.processes.pid}-` : ""}`));

/** Removes the capture directories of runs whose process is gone; returns how many. */
export const sweepDeadCaptureDirs = async (deps: Pick<Deps, "processes">): Promise<number> => {
  const { processes } = deps;
  if (processes === undefined) return 0;
  let names: string[];
  try {
    names = await readdir(tmpdir());
  } catch {
    return 0; // no temporary directory to look in: nothing of ours there either
  }
  let removed = 0;
  for (const name of names) {
    const pid = Number(OWNED.exec(name)?.[1] ?? Number.NaN);
    if (!Number.isInteger(pid) || pid === processes.pid || processes.isRunning(pid)) continue;
    await rm(join(tmpdir(), name), { recursive: true, force: true }).catch(() => undefined);
    removed += 1;
  }
  return removed;
};
