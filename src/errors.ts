// Every failure dogdriver reports carries one of these codes; src/cli/exit-codes.ts maps them to exit codes.
export type ErrorCode =
  | "usage" // wrong command line
  | "invalid_config" // the configuration file is wrong
  | "invalid_input" // an imported file, molotov.json, a version endpoint's answer...
  | "load_test_failed" // Molotov could not run or finished unusable
  | "store" // the run store could not be read or written
  | "datadog" // Datadog refused or could not be reached
  | "check_failed" // `dogdriver check` found a problem
  | "interrupted" // SIGINT/SIGTERM
  | "internal";

/** An error meant for the user: the message names the input and what was expected. */
export class DogdriverError extends Error {
  readonly code: ErrorCode;
  /** Further lines shown under the message (each problem of an invalid config, for example). */
  readonly details: readonly string[];

  constructor(
    code: ErrorCode,
    message: string,
    options: { cause?: unknown; details?: readonly string[] } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = "DogdriverError";
    this.code = code;
    this.details = options.details ?? [];
  }
}

export const isDogdriverError = (error: unknown): error is DogdriverError => error instanceof DogdriverError;
