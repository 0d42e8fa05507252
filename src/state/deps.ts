// All process state a command may touch, built once by the entry point (src/cli.ts) and replaced by a twin
// in tests (test/support/deps.ts). It lives at the ground (as k6's cmd/state): every area may import it, and it
// imports nothing of the project. Nothing else reads process.env, process.stdout, Date.now or timers.

export interface OutputStream {
  write(text: string): void;
  /** True when a person is watching (progress bars only then). */
  readonly isTTY: boolean;
}

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms`, or rejects with the signal's reason when it is aborted first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  /** Only shown with --verbose. */
  debug(message: string): void;
  /**
   * A warning said the first time only in this process, later at debug level: notes such as "Datadog keys not
   * set" that every command of a schedule or a demo would otherwise repeat (docs/contract.md: "say so once").
   */
  once(message: string): void;
}

export interface Deps {
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  stdout: OutputStream;
  stderr: OutputStream;
  clock: Clock;
  log: Logger;
  /** Aborted when the user asks dogdriver to stop (SIGINT/SIGTERM). */
  signal: AbortSignal;
  /** The machine's host name: the default `source`. */
  hostname: string;
  /** Standard input, for `import -`. */
  stdin: AsyncIterable<Uint8Array | string>;
  /**
   * This process's id and whether another one still runs: `run` names its capture directories after their
   * owner and removes those of dead runs. Absent (tests, benchmarks): nothing is removed.
   */
  processes?: { pid: number; isRunning(pid: number): boolean };
}

/** A logger that writes human lines to the given stream. Secrets must never reach it (callers redact). */
export const streamLogger = (stream: OutputStream, verbose: boolean): Logger => {
  const said = new Set<string>();
  const logger: Logger = {
    info: (message) => stream.write(`${message}\n`),
    warn: (message) => stream.write(`warning: ${message}\n`),
    debug: (message) => {
      if (verbose) stream.write(`debug: ${message}\n`);
    },
    once: (message) => {
      if (said.has(message)) return logger.debug(message);
      said.add(message);
      logger.warn(message);
    },
  };
  return logger;
};
