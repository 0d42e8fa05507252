import type { Deps } from "../cli/deps.js";
import type { Outcome } from "../cli/exit-codes.js";
import type { GlobalOptions } from "../cli/global-options.js";
import { notImplemented } from "../cli/not-implemented.js";

export interface DemoOptions extends GlobalOptions {}

export const demoCommand = async (_options: DemoOptions, _deps: Deps): Promise<Outcome> =>
  notImplemented("demo");
