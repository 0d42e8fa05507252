import { loadCommandConfig } from "../config/command-config.js";
import type { Deps } from "../state/deps.js";
import type { GlobalOptions } from "../state/global-options.js";
import type { Outcome } from "../state/outcome.js";
import { openStore } from "./open-store.js";

export interface ExportOptions extends GlobalOptions {
  service?: string;
  env?: string;
  /** The summary as JSON on stderr: stdout carries the records. */
  json?: boolean;
}

/** `dogdriver export`: every stored run (or one service/env's) as JSON Lines on stdout, in key order. */
export const exportCommand = async (options: ExportOptions, deps: Deps): Promise<Outcome> => {
  const config = await loadCommandConfig(options, deps);
  const store = openStore(config.store, deps);
  let exported = 0;
  let skipped = 0;
  try {
    const filter = {
      ...(options.service === undefined ? {} : { service: options.service }),
      ...(options.env === undefined ? {} : { env: options.env }),
    };
    const onInvalid = (key: string, problem: string) => {
      skipped++;
      deps.log.warn(`skipped ${key}: ${problem}`);
    };
    for await (const record of store.listRuns(filter, { onInvalid })) {
      deps.stdout.write(`${JSON.stringify(record)}\n`);
      exported++;
    }
  } finally {
    store.close?.();
  }
  if (options.json)
    deps.stderr.write(`${JSON.stringify({ store: store.url, exported, unreadable_skipped: skipped })}\n`);
  else
    deps.log.info(
      `exported ${exported} runs from ${store.url}${skipped ? `; ${skipped} unreadable objects skipped` : ""}`,
    );
  // An export that silently lost records would make a migration lossy.
  return skipped > 0 ? "failure" : "ok";
};
