import { type CommandCall, main } from "../../src/cli/main.js";
import { testDeps } from "./deps.js";

/** Runs argv through the CLI's parser with a capturing invoke: the exit code, the calls made and the output. */
export const parseArgv = async (argv: string[]) => {
  const calls: CommandCall[] = [];
  const deps = testDeps({ cwd: "/nonexistent" });
  const code = await main(argv, deps, "1.2.3", async (call) => {
    calls.push(call);
    return "ok";
  });
  return { code, calls, stdout: deps.stdout.text(), stderr: deps.stderr.text() };
};
