import type { Deps } from "../state/deps.js";
import type { GlobalOptions } from "../state/global-options.js";
import { loadConfig } from "./load.js";
import type { ConfigFile } from "./schema.js";
import type { Config } from "./types.js";

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
