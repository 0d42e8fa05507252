import type { Deps } from "../cli/deps.js";
import type { Outcome } from "../cli/exit-codes.js";
import type { GlobalOptions } from "../cli/global-options.js";
import { notImplemented } from "../cli/not-implemented.js";

export interface ScheduleOptions extends GlobalOptions {}

export const scheduleCommand = async (_options: ScheduleOptions, _deps: Deps): Promise<Outcome> =>
  notImplemented("schedule");
