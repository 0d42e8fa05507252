import type { Deps } from "../cli/deps.js";
import type { Outcome } from "../cli/exit-codes.js";
import type { GlobalOptions } from "../cli/global-options.js";
import { notImplemented } from "../cli/not-implemented.js";

export interface ProvisionOptions extends GlobalOptions {}

export const provisionCommand = async (_options: ProvisionOptions, _deps: Deps): Promise<Outcome> =>
  notImplemented("provision");
