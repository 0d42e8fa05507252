import type { Deps } from "../cli/deps.js";
import type { Outcome } from "../cli/exit-codes.js";
import type { GlobalOptions } from "../cli/global-options.js";
import { notImplemented } from "../cli/not-implemented.js";

export interface ImportOptions extends GlobalOptions {}

export const importCommand = async (_options: ImportOptions, _deps: Deps): Promise<Outcome> =>
  notImplemented("import");
