import { loadCommandConfig } from "../config/command-config.js";
import { configWarnings } from "../config/warnings.js";
import type { DatadogApi } from "../datadog/types.js";
import type { Deps } from "../state/deps.js";
import type { GlobalOptions } from "../state/global-options.js";
import type { Outcome } from "../state/outcome.js";
import { openStore } from "../store/open-store.js";
import { aggregate } from "./aggregate.js";
import { dryRunText, reportJson, summaryLines } from "./render.js";
import { requeueRejected } from "./requeue-rejected.js";

export interface AggregateOptions extends GlobalOptions {
  settle?: string;
  dryRun?: boolean;
  json?: boolean;
  /** First put the entries of _dogdriver/rejected/ back into the outbox (a wrong key of dogdriver 0.1.0). */
  requeueRejected?: boolean;
}

/** `dogdriver aggregate`: exit 1 when a run could not be completed; deferred runs (Datadog down) are not failures. */
export const aggregateCommand = async (options: AggregateOptions, deps: Deps): Promise<Outcome> => {
  const config = await loadCommandConfig(options, deps);
  // Once: under `schedule` this runs every few minutes with the same configuration.
  for (const line of configWarnings(config)) deps.log.once(line);
  let api: DatadogApi | undefined;
  // Offline (the demo, no keys) nothing of Datadog is loaded. With keys, aggregate talks to Datadog over plain
  // fetch and never loads the official client (docs/datadog.md).
  if (deps.env.DD_API_KEY?.trim() || deps.env.DD_APP_KEY?.trim()) {
    const { datadogFromEnv } = await import("../datadog/client.js");
    api = datadogFromEnv(config, deps);
  }
  const store = openStore(config.store, deps);
  try {
    if (options.requeueRejected) {
      const { requeued, unreadable } = await requeueRejected(store);
      deps.log.info(`requeued ${requeued.length} rejected outbox entr${requeued.length === 1 ? "y" : "ies"}`);
      for (const path of unreadable) deps.log.warn(`_dogdriver/${path}: not an outbox entry, left in place`);
    }
    const report = await aggregate({
      config,
      store,
      api,
      deps,
      dryRun: options.dryRun ?? false,
      concurrency: config.storeConcurrency,
    });
    if (options.json) deps.stdout.write(reportJson(report));
    else if (report.dry_run) deps.stdout.write(dryRunText(report));
    const { info, warnings } = summaryLines(report);
    for (const line of info) deps.log.info(line);
    if (report.datadog_keys) deps.log.once(report.datadog_keys);
    for (const line of warnings) deps.log.warn(line);
    return report.runs.failed.length > 0 ? "failure" : "ok";
  } finally {
    store.close?.();
  }
};
