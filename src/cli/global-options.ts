import { loadConfig } from "../config/load.js";
import type { ConfigFile } from "../config/schema.js";
import type { Config } from "../config/types.js";
import type { Deps } from "../state/deps.js";

/** Options every command takes (docs/contract.md: --config, --store). */
export interface GlobalOptions {
  config?: string;
  store?: string;
  verbose?: boolean;
  /** Only warnings and errors on stderr (src/cli/command-deps.ts). */
  quiet?: boolean;
  /** --color / --no-color: FORCE_COLOR / NO_COLOR for the command. */
  color?: boolean;
}

/** Loads the configuration for a command: defaults < file < environment < flags. */
export const loadCommandConfig = (
  options: GlobalOptions & { settle?: string; source?: string },
  deps: Pick<Deps, "cwd" | "env" | "hostname">,
  fallback?: ConfigFile,
): Promise<Config> =>
  loadConfig({
    ...(options.config === undefined ? {} : { file: options.config }),
    cwd: deps.cwd,
    env: deps.env,
    hostname: deps.hostname,
    flags: {
      ...(options.store === undefined ? {} : { store: options.store }),
      ...(options.settle === undefined ? {} : { settle: options.settle }),
      ...(options.source === undefined ? {} : { source: options.source }),
    },
    ...(fallback === undefined ? {} : { fallback }),
  });
