import type { Deps } from "../cli/deps.js";
import type { Outcome } from "../cli/exit-codes.js";
import type { GlobalOptions } from "../cli/global-options.js";
import { notImplemented } from "../cli/not-implemented.js";

export interface CheckOptions extends GlobalOptions {}

export const checkCommand = async (_options: CheckOptions, _deps: Deps): Promise<Outcome> =>
  notImplemented("check");
