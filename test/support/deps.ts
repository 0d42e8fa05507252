import { type Deps, streamLogger } from "../../src/state/deps.js";

// The test twin of the process state: captured streams, a manual clock, an abortable signal.

export interface CapturedStream {
  write(text: string): void;
  isTTY: boolean;
  text(): string;
}

export const captured = (isTTY = false): CapturedStream => {
  const chunks: string[] = [];
  return { write: (t) => void chunks.push(t), isTTY, text: () => chunks.join("") };
};

export interface ManualClock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Moves time forward (sleepers whose time came resolve). */
  advance(ms: number): void;
  set(ms: number): void;
}

/** A clock that moves only when told; `realSleep` makes sleep wait for real while the clock still advances. */
export const manualClock = (
  startMs = Date.parse("2026-11-24T10:00:00.000Z"),
  realSleep = false,
): ManualClock => {
  let now = startMs;
  let sleepers: { until: number; resolve: () => void }[] = [];
  const wake = () => {
    const due = sleepers.filter((s) => s.until <= now);
    sleepers = sleepers.filter((s) => s.until > now);
    for (const s of due) s.resolve();
  };
  return {
    now: () => now,
    sleep: (ms, signal) =>
      new Promise<void>((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason);
        if (realSleep) {
          const timer = setTimeout(() => {
            now += ms;
            resolve();
          }, ms);
          signal?.addEventListener("abort", () => {
            clearTimeout(timer);
            reject(signal.reason);
          });
          return;
        }
        sleepers.push({ until: now + ms, resolve });
        signal?.addEventListener("abort", () => reject(signal.reason));
      }),
    advance: (ms) => {
      now += ms;
      wake();
    },
    set: (ms) => {
      now = ms;
      wake();
    },
  };
};

export interface TestDeps extends Deps {
  stdout: CapturedStream;
  stderr: CapturedStream;
  abort: AbortController;
}

/** Deps for a command under test. Real time by default (commands that talk to real servers need it). */
export const testDeps = (overrides: Partial<Deps> & { cwd: string }): TestDeps => {
  const stdout = captured();
  const stderr = captured();
  const abort = new AbortController();
  return {
    env: {},
    clock: {
      now: () => Date.now(),
      sleep: (ms, signal) =>
        new Promise((r, j) => {
          const t = setTimeout(r, ms);
          signal?.addEventListener("abort", () => {
            clearTimeout(t);
            j(signal.reason);
          });
        }),
    },
    log: streamLogger(stderr, false),
    signal: abort.signal,
    hostname: "test-runner",
    stdin: (async function* () {})(),
    ...overrides,
    stdout,
    stderr,
    abort,
  };
};
