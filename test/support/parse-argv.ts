import { type CommandCall, main } from "../../src/cli/main.js";
import type { Deps } from "../../src/state/deps.js";
import { testDeps } from "./deps.js";

/**
 * Runs argv through the CLI's parser with a capturing invoke: the exit code, the calls made and the output, the
 * deps the command was given (`deps`: after --quiet, --color and the DATADOG_* aliases) and the entry point's
 * own (`outer`).
 */
export const parseArgv = async (argv: string[], env: Record<string, string> = {}) => {
  const calls: CommandCall[] = [];
  const seen: Deps[] = [];
  const outer = testDeps({ cwd: "/nonexistent", env });
  const code = await main(argv, outer, "1.2.3", async (call, commandDeps) => {
    calls.push(call);
    seen.push(commandDeps);
    return "ok";
  });
  return { code, calls, stdout: outer.stdout.text(), stderr: outer.stderr.text(), deps: seen[0], outer };
};
