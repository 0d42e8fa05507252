import type { Deps } from "../cli/deps.js";
import type { Outcome } from "../cli/exit-codes.js";
import type { GlobalOptions } from "../cli/global-options.js";
import { notImplemented } from "../cli/not-implemented.js";

export interface ReportOptions extends GlobalOptions {}

export const reportCommand = async (_options: ReportOptions, _deps: Deps): Promise<Outcome> =>
  notImplemented("report");
