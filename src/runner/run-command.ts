import type { Deps } from "../cli/deps.js";
import type { Outcome } from "../cli/exit-codes.js";
import type { GlobalOptions } from "../cli/global-options.js";
import { notImplemented } from "../cli/not-implemented.js";

export interface RunOptions extends GlobalOptions {}

export const runCommand = async (_options: RunOptions, _deps: Deps): Promise<Outcome> =>
  notImplemented("run");
