/**
 * What a command reports back to the entry point when it did not throw (src/cli/exit-codes.ts turns it into the
 * process's exit code, docs/contract.md).
 */
export type Outcome = "ok" | "failure" | "regression" | "load_test_failed" | "undecided";
