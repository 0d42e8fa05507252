import { spawn } from "node:child_process";
import type { Clock } from "../state/deps.js";
import type { MolotovCounters } from "./types.js";

// Runs molotov as `python -c BOOTSTRAP ARGS` (docs/runner.md: /usr/bin/molotov's shebang may not be the
// python on PATH, `python -m molotov` does not exist, and main()'s result only reaches us this way), detached in
// its own process group: molotov's -p children survive a killed parent, so stopping means signalling the group.

// molotov.run.run() returns the counters dict (or exits on its own errors). main() hands it back on molotov 2.0
// and 2.1 only (2.2 and later return 0), so the bootstrap takes it from run(), which main() calls through the
// module's globals. Writing it to a file keeps it apart from molotov's console and from what the scenario prints.
// The watcher: molotov runs detached, so if dogdriver itself dies without a chance to signal the group (SIGKILL,
// the OOM killer) nothing else would stop it before -d ends. A thread of molotov's main process (threads do not
// survive molotov's fork, so only there) kills the whole group once its parent is gone.
const BOOTSTRAP = [
  "import json, os, signal, sys, threading, time",
  "parent = os.getppid()",
  "def watch_parent():",
  "    while os.getppid() == parent:",
  "        time.sleep(0.5)",
  "    os.killpg(os.getpgrp(), signal.SIGKILL)",
  "threading.Thread(target=watch_parent, daemon=True).start()",
  'sys.argv[0] = "molotov"',
  "import molotov.run",
  "counters = []",
  "def run(*args, **kw):",
  "    counters.append(molotov_run(*args, **kw))",
  "    return counters[-1]",
  "molotov_run, molotov.run.run = molotov.run.run, run",
  "molotov.run.main()",
  'with open(os.environ["DOGDRIVER_RESULT_FILE"], "w") as out:',
  "    json.dump(counters[-1] if counters else None, out)",
].join("\n");

const TAIL_BYTES = 64 * 1024;

/** Why molotov was stopped before it finished on its own. */
export type StopReason = { kind: "timeout"; afterMs: number } | { kind: "interrupted"; message: string };

export interface MolotovExit {
  exitCode?: number;
  signal?: string;
  stopped?: StopReason;
  /** Set when the interpreter could not be started at all (ENOENT...). */
  spawnError?: string;
  /** The last 64 KiB of molotov's stdout and stderr (molotov prints its errors on stdout). */
  stdout: string;
  stderr: string;
}

export interface MolotovProcessInput {
  python: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  timeoutMs: number;
  killGraceMs: number;
  signal: AbortSignal;
  clock: Clock;
  /** Called once molotov is spawned, with its pid (which is also its process group's id). */
  onStart?(pid: number): void;
}

const tailKeeper = () => {
  let text = "";
  return {
    add: (chunk: unknown) => {
      text += String(chunk);
      if (text.length > TAIL_BYTES * 2) text = text.slice(-TAIL_BYTES);
    },
    text: () => text.slice(-TAIL_BYTES),
  };
};

/** The whole group: molotov and every process it forked. ESRCH means nobody is left, which is the goal. */
export const killGroup = (pid: number, signal: NodeJS.Signals): boolean => {
  try {
    process.kill(-pid, signal);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ESRCH") return false;
    throw error;
  }
};

/** The molotov bootstrap's arguments: `python -c BOOTSTRAP <args>`. */
export const bootstrapArgs = (args: string[]): string[] => ["-c", BOOTSTRAP, ...args];

interface ChildEnd {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The interpreter could not be started (ENOENT...). */
  error?: Error;
}

/** Runs molotov to its end, its timeout or the user's interrupt, and leaves no process of its group behind. */
export const runMolotovProcess = async (input: MolotovProcessInput): Promise<MolotovExit> => {
  // node:child_process rather than execa: execa's ~100 modules would load before every test starts.
  const child = spawn(input.python, bootstrapArgs(input.args), {
    cwd: input.cwd,
    env: input.env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const stdout = tailKeeper();
  const stderr = tailKeeper();
  child.stdout?.setEncoding("utf8").on("data", stdout.add);
  child.stderr?.setEncoding("utf8").on("data", stderr.add);
  // Both pipes closed: every byte molotov (or a child still holding its pipes) wrote has been read.
  const drained = new Promise<void>((resolve) => child.once("close", () => resolve()));
  const exited = new Promise<ChildEnd>((resolve) => {
    child.once("exit", (code, signal) => resolve({ code, signal }));
    child.once("error", (error) => resolve({ code: null, signal: null, error }));
  });
  const pid = child.pid;
  if (pid !== undefined) input.onStart?.(pid);

  const stopTimer = new AbortController();
  const finished = exited.then(() => "exited" as const);
  const timedOut = input.clock.sleep(input.timeoutMs, stopTimer.signal).then(
    () => "timeout" as const,
    () => "exited" as const,
  );
  // Removed after the run: `schedule` runs many tests on one long-lived signal.
  let onAbort = () => {};
  const interrupted = new Promise<"interrupted">((resolve) => {
    onAbort = () => resolve("interrupted");
    if (input.signal.aborted) resolve("interrupted");
    input.signal.addEventListener("abort", onAbort, { once: true });
  });

  let stopped: StopReason | undefined;
  const first = await Promise.race([finished, timedOut, interrupted]);
  if (first !== "exited" && pid !== undefined) {
    stopped =
      first === "timeout"
        ? { kind: "timeout", afterMs: input.timeoutMs }
        : { kind: "interrupted", message: String((input.signal.reason as Error)?.message ?? "interrupted") };
    // SIGTERM first: molotov then stops its workers and writes its summary. Its -p children only notice at
    // their next I/O event (docs/runner.md), so after the grace period the whole group gets SIGKILL.
    killGroup(pid, "SIGTERM");
    const grace = new AbortController();
    const graceOver = input.clock.sleep(input.killGraceMs, grace.signal).then(
      () => "grace" as const,
      () => "exited" as const,
    );
    if ((await Promise.race([finished, graceOver])) === "grace") killGroup(pid, "SIGKILL");
    grace.abort();
  }
  stopTimer.abort();
  input.signal.removeEventListener("abort", onAbort);
  const result = await exited;
  // A child that outlived molotov's main process (a scenario's own subprocess, a worker molotov lost) goes too.
  if (pid !== undefined) {
    killGroup(pid, "SIGKILL");
    await drained;
  }
  return {
    ...(result.code === null ? {} : { exitCode: result.code }),
    ...(result.signal === null ? {} : { signal: result.signal }),
    ...(stopped === undefined ? {} : { stopped }),
    ...(pid === undefined ? { spawnError: String(result.error?.message ?? "not started") } : {}),
    stdout: stdout.text(),
    stderr: stderr.text(),
  };
};

/** Parses the counters the bootstrap wrote, or undefined when molotov did not get that far. */
export const parseCounters = (text: string | undefined): MolotovCounters | undefined => {
  if (!text) return undefined;
  try {
    const value = JSON.parse(text) as unknown;
    if (value === null || typeof value !== "object" || typeof (value as MolotovCounters).OK !== "number")
      return undefined;
    return value as MolotovCounters;
  } catch {
    return undefined;
  }
};
