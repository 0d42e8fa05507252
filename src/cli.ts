#!/usr/bin/env node
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import { main } from "./cli/main.js";
import { type Deps, streamLogger } from "./state/deps.js";

// The entry point: the only place that reads the real process state (env, streams, clock, signals, exit).

const { version } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
  version: string;
};

// The AWS SDK warns on every run under Node < 22 (S3-NOTES.md); it reads this switch from the process env only.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const stopper = new AbortController();
let signals = 0;
for (const name of ["SIGINT", "SIGTERM"] as const) {
  process.on(name, () => {
    signals += 1;
    if (signals > 1) process.exit(130); // a second Ctrl-C means now
    process.stderr.write(`dogdriver: ${name} received, stopping (send it again to quit at once)\n`);
    stopper.abort(new Error(`interrupted by ${name}`));
  });
}

// A reader that stops early (`report --json | head`) closes the pipe: the rest of that stream's output is dropped
// and the command finishes as it would (a run is still stored, the exit code its own), rather than dying of an
// unhandled EPIPE with a stack trace. Any other stream error still surfaces.
const stream = (s: NodeJS.WriteStream) => {
  let closed = false;
  s.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") throw error;
    closed = true;
  });
  return {
    write: (text: string) => void (closed || s.write(text)),
    isTTY: Boolean(s.isTTY),
  };
};
const stderr = stream(process.stderr);
const verbose = process.argv.includes("--verbose");

const deps: Deps = {
  env: process.env,
  cwd: process.cwd(),
  stdout: stream(process.stdout),
  stderr,
  clock: { now: () => Date.now(), sleep: (ms, signal) => sleep(ms, undefined, signal ? { signal } : {}) },
  log: streamLogger(stderr, verbose),
  signal: stopper.signal,
  hostname: hostname(),
  stdin: process.stdin,
  processes: {
    pid: process.pid,
    isRunning: (pid) => {
      try {
        process.kill(pid, 0); // signal 0: only asks whether the process exists
        return true;
      } catch (error) {
        return (error as NodeJS.ErrnoException).code === "EPERM"; // exists, another user's
      }
    },
  },
};

process.exitCode = await main(process.argv.slice(2), deps, version);
