import type { Deps } from "../state/deps.js";

// Test hook for the kill-and-rerun tests: DOGDRIVER_TEST_CRASH_AT=<step>[:<n>] kills the process with SIGKILL
// the n-th time (default the first) it reaches <step>, so the tests can stop an aggregator between two writes
// exactly as a power cut or an OOM kill would. This is the one place in the aggregator that touches `process`:
// a kill cannot be faked through deps without changing what is being tested.

const reached = new Map<string, number>();

export const crashPoint = (deps: Pick<Deps, "env">, step: string): void => {
  const setting = deps.env.DOGDRIVER_TEST_CRASH_AT;
  if (!setting) return;
  const [name, nth = "1"] = setting.split(":");
  if (name !== step) return;
  const count = (reached.get(step) ?? 0) + 1;
  reached.set(step, count);
  if (count === Number(nth)) process.kill(process.pid, "SIGKILL");
};
