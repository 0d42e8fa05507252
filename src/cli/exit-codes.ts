import type { ErrorCode } from "../errors.js";
import type { Outcome } from "../state/outcome.js";

// docs/contract.md: 0 ok, 1 failure, 2 usage, 3 invalid configuration or input, 4 regression found, 5 load test failed,
// 6 undecided (`verify` reached its budget of runs or time without a decision).
export const EXIT = {
  ok: 0,
  failure: 1,
  usage: 2,
  invalid: 3,
  regression: 4,
  loadTestFailed: 5,
  undecided: 6,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

const outcomeExit: Record<Outcome, ExitCode> = {
  ok: EXIT.ok,
  failure: EXIT.failure,
  regression: EXIT.regression,
  load_test_failed: EXIT.loadTestFailed,
  undecided: EXIT.undecided,
};

const errorExit: Record<ErrorCode, ExitCode> = {
  usage: EXIT.usage,
  invalid_config: EXIT.invalid,
  invalid_input: EXIT.invalid,
  load_test_failed: EXIT.loadTestFailed,
  store: EXIT.failure,
  datadog: EXIT.failure,
  check_failed: EXIT.failure,
  interrupted: EXIT.failure,
  internal: EXIT.failure,
};

/** The one place that turns outcomes and error codes into process exit codes. */
export const exitCodeForOutcome = (outcome: Outcome): ExitCode => outcomeExit[outcome];
export const exitCodeForError = (code: ErrorCode): ExitCode => errorExit[code];
