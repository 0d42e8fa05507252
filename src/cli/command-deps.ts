import type { Deps } from "../state/deps.js";
import type { GlobalOptions } from "../state/global-options.js";
import { withDatadogAliases } from "./env-aliases.js";

// The process state a command runs with, after the global options that change how it talks: the DATADOG_*
// aliases, --color/--no-color (as FORCE_COLOR/NO_COLOR, which every colour decision reads) and --quiet (only
// warnings and errors reach stderr: info lines, summaries and progress are dropped).

const colourEnv = (color: boolean | undefined): Record<string, string | undefined> =>
  color === undefined
    ? {}
    : color
      ? { FORCE_COLOR: "1", NO_COLOR: undefined }
      : { NO_COLOR: "1", FORCE_COLOR: undefined };

export const commandDeps = (options: GlobalOptions, deps: Deps): Deps => {
  const env = { ...withDatadogAliases(deps.env), ...colourEnv(options.color) };
  if (!options.quiet) return { ...deps, env };
  const { log } = deps;
  return {
    ...deps,
    env,
    log: { ...log, info: () => {}, debug: () => {} },
    stderr: { write: () => {}, isTTY: false },
  };
};
