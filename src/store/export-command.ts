import type { Deps } from "../cli/deps.js";
import type { Outcome } from "../cli/exit-codes.js";
import type { GlobalOptions } from "../cli/global-options.js";
import { notImplemented } from "../cli/not-implemented.js";

export interface ExportOptions extends GlobalOptions {}

export const exportCommand = async (_options: ExportOptions, _deps: Deps): Promise<Outcome> =>
  notImplemented("export");
