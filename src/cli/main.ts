import { DogdriverError, isDogdriverError } from "../errors.js";
import type { Deps } from "../state/deps.js";
import type { Outcome } from "../state/outcome.js";
import { commandDeps } from "./command-deps.js";
import { emptyValue } from "./empty-values.js";
import { EXIT, type ExitCode, exitCodeForError, exitCodeForOutcome } from "./exit-codes.js";
import { quickRunCall } from "./run-argv.js";

// The CLI layer is a thin shell: each command's handler only turns argv into options and calls the command's
// function (imported lazily, so `dogdriver --help` loads no SDK). test/cli/argv.test.ts pins argv -> options.

export interface CommandCall {
  command: string;
  options: Record<string, unknown>;
}

type Invoke = (call: CommandCall, deps: Deps) => Promise<Outcome>;

/** Runs the command function for a parsed call. Replaced in the argv table test. */
export const invokeCommand: Invoke = async ({ command, options }, deps) => {
  switch (command) {
    case "run":
      return (await import("../runner/run-command.js")).runCommand(options as never, deps);
    case "aggregate":
      return (await import("../aggregator/aggregate-command.js")).aggregateCommand(options as never, deps);
    case "report":
      return (await import("../report/report-command.js")).reportCommand(options as never, deps);
    case "verify":
      return (await import("../verify/verify-command.js")).verifyCommand(options as never, deps);
    case "provision":
      return (await import("../provision/provision-command.js")).provisionCommand(options as never, deps);
    case "schedule":
      return (await import("../schedule/schedule-command.js")).scheduleCommand(options as never, deps);
    case "import":
      return (await import("../store/import-command.js")).importCommand(options as never, deps);
    case "export":
      return (await import("../store/export-command.js")).exportCommand(options as never, deps);
    case "check":
      return (await import("../check/check-command.js")).checkCommand(options as never, deps);
    case "init":
      return (await import("../init/init-command.js")).initCommand(options as never, deps);
    case "demo":
      return (await import("../demo/demo-command.js")).demoCommand(options as never, deps);
    default:
      throw new DogdriverError("usage", `unknown command "${command}"`);
  }
};

/** Parses argv with yargs: the command call, or the exit code when there is none to make (help, a mistake). */
const parseWithYargs = async (
  argv: string[],
  deps: Deps,
  version: string,
): Promise<CommandCall | ExitCode> => {
  const { buildParser } = await import("./parser.js");
  let parsedCall: CommandCall | undefined;
  let usageError: string | undefined;
  let printed = "";
  try {
    await buildParser(argv, version, (c) => {
      parsedCall = c;
    })
      .fail((message, error) => {
        usageError = message || error?.message || "invalid command line";
      })
      .parseAsync(argv, {}, (_err, _args, output) => {
        printed = output;
      });
  } catch (error) {
    usageError ??= (error as Error).message;
  }
  if (usageError !== undefined) {
    deps.stderr.write(`dogdriver: ${usageError}\nRun "dogdriver --help" for usage.\n`);
    return EXIT.usage;
  }
  if (printed) deps.stdout.write(`${printed}\n`);
  return parsedCall ?? EXIT.ok; // --help or --version
};

/** Parses argv, runs the command and returns the exit code. Only src/cli.ts calls process.exit with it. */
export const main = async (
  argv: string[],
  deps: Deps,
  version: string,
  invoke: Invoke = invokeCommand,
): Promise<ExitCode> => {
  const empty = emptyValue(argv);
  if (empty !== undefined) {
    deps.stderr.write(`dogdriver: ${empty}\nRun "dogdriver --help" for usage.\n`);
    return EXIT.usage;
  }
  const parsedCall = quickRunCall(argv) ?? (await parseWithYargs(argv, deps, version));
  if (typeof parsedCall === "number") return parsedCall;
  try {
    return exitCodeForOutcome(await invoke(parsedCall, commandDeps(parsedCall.options, deps)));
  } catch (error) {
    return reportError(error, deps);
  }
};

const reportError = (error: unknown, deps: Deps): ExitCode => {
  if (isDogdriverError(error)) {
    deps.stderr.write(`dogdriver: ${error.message}\n`);
    for (const line of error.details) deps.stderr.write(`  ${line}\n`);
    return exitCodeForError(error.code);
  }
  deps.stderr.write(`dogdriver: unexpected error: ${(error as Error)?.stack ?? String(error)}\n`);
  return EXIT.failure;
};
