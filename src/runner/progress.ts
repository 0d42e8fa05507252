import type { Deps } from "../state/deps.js";
import type { ClientStats } from "./client-stats.js";

// Progress of a running test on stderr: one line rewritten in place when a person watches (TTY), a plain line
// every PLAIN_EVERY_MS otherwise (logs, CI).

const PLAIN_EVERY_MS = 10_000;

const seconds = (ms: number) => `${Math.round(ms / 1000)}s`;

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
  return `${label}: ${seconds(elapsedMs)}${totalMs ? `/${seconds(totalMs)}` : ""}, ${stats.requests} requests, ${stats.errors} errors${stats.failures ? `, ${stats.failures} failed scenario runs` : ""}, p95 ${p95 === null ? "-" : `${p95.toFixed(1)} ms`}`;
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
