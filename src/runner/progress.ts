import type { Deps } from "../state/deps.js";
import type { ClientStats } from "./client-stats.js";

// Progress of a running test on stderr: one line rewritten in place when a person watches (TTY), a plain line
// every PLAIN_EVERY_MS otherwise (logs, CI).

const PLAIN_EVERY_MS = 10_000;

// Whole seconds gone by: rounding up would show the test's length before it is reached.
const seconds = (ms: number) => `${Math.floor(ms / 1000)}s`;

/**
 * "12s/30s"; past the test's length, while Molotov stops its workers and drains, "30s/30s, finishing (+3s)"
 * rather than "33s/30s", which reads as a test running over.
 */
const elapsedText = (elapsedMs: number, totalMs: number | undefined): string => {
  if (!totalMs) return seconds(elapsedMs);
  if (elapsedMs < totalMs) return `${seconds(elapsedMs)}/${seconds(totalMs)}`;
  const over = Math.floor((elapsedMs - totalMs) / 1000);
  return `${seconds(totalMs)}/${seconds(totalMs)}, finishing${over > 0 ? ` (+${over}s)` : ""}`;
};

export interface Progress {
  update(stats: ClientStats): void;
  /** Clears the live line so the next message starts on a clean line. */
  done(): void;
}

export const progressLine = (
  label: string,
  elapsedMs: number,
  totalMs: number | undefined,
  stats: ClientStats,
) => {
  const p95 = stats.quantile(0.95);
  return `${label}: ${elapsedText(elapsedMs, totalMs)}, ${stats.requests} requests, ${stats.errors} errors${stats.failures ? `, ${stats.failures} failed scenario runs` : ""}, p95 ${p95 === null ? "-" : `${p95.toFixed(1)} ms`}`;
};

export const startProgress = (
  label: string,
  totalMs: number | undefined,
  deps: Pick<Deps, "stderr" | "clock">,
): Progress => {
  const startedAt = deps.clock.now();
  let lastPlainAt = startedAt;
  let live = false;
  return {
    update: (stats) => {
      const now = deps.clock.now();
      const line = progressLine(label, now - startedAt, totalMs, stats);
      if (deps.stderr.isTTY) {
        deps.stderr.write(`\r\x1b[2K${line}`);
        live = true;
      } else if (now - lastPlainAt >= PLAIN_EVERY_MS) {
        deps.stderr.write(`${line}\n`);
        lastPlainAt = now;
      }
    },
    done: () => {
      if (live) deps.stderr.write("\r\x1b[2K");
      live = false;
    },
  };
};
