import type { Deps } from "../cli/deps.js";
import type { Outcome } from "../cli/exit-codes.js";
import type { GlobalOptions } from "../cli/global-options.js";
import { notImplemented } from "../cli/not-implemented.js";

export interface AggregateOptions extends GlobalOptions {}

export const aggregateCommand = async (_options: AggregateOptions, _deps: Deps): Promise<Outcome> =>
  notImplemented("aggregate");
