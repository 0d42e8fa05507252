import { randomUUID } from "node:crypto";
import { emptyReport } from "../aggregator/aggregate.js";
import { flushOutbox } from "../aggregator/outbox-flush.js";
import { queueReleaseUpdate, releaseUpdateOf } from "../aggregator/release-update.js";
import { summaryLines } from "../aggregator/render.js";
import { verdictLinks } from "../aggregator/verdict-links.js";
import type { Config } from "../config/types.js";
import type { Deps } from "../state/deps.js";
import type { RunStore } from "../store/types.js";
import type { ReleaseVerdict } from "../verdicts/release-series.js";
import type { Comparison } from "../verdicts/types.js";

// A verify's decision is the release's verdict in Datadog (docs/verify.md): the dogdriver.release.* series of
// its comparisons and a verdict event, queued in the store's outbox exactly as `aggregate` queues them (the
// `metrics` filter applied), then sent at once, so that a deployment gate on dogdriver's regression monitor sees
// it before the next stage. What Datadog does not take now stays in the outbox for the next `aggregate`: nothing
// is lost. The flush sends the whole outbox, and says what went wrong as `aggregate` does, on stderr.

/** "warnings": sent, but the flush warned (logged) of something Datadog refused or that is too old to send. */
export type Posted = "posted" | "queued" | "warnings" | "no keys";

export const postVerdict = async (
  { config, store, deps }: { config: Config; store: RunStore; deps: Deps },
  verdict: ReleaseVerdict,
  comparisons: readonly Comparison[],
): Promise<Posted> => {
  if (!deps.env.DD_API_KEY?.trim()) {
    deps.log.once("Datadog keys not set (DD_API_KEY): verify's verdict is not posted to Datadog");
    return "no keys";
  }
  const { datadogFromEnv } = await import("../datadog/client.js");
  const api = datadogFromEnv(config, deps);
  const update = await releaseUpdateOf(
    store,
    comparisons,
    [verdict],
    await verdictLinks(store, api, deps.log),
    config.metrics,
  );
  await queueReleaseUpdate(store, verdict.service, verdict.env, update, deps.clock.now());
  const report = emptyReport({ config, store, api, deps, dryRun: false });
  const pending = await flushOutbox({
    store,
    api,
    deps,
    owner: `${deps.hostname}/${randomUUID()}`,
    report,
    concurrency: config.storeConcurrency,
    metrics: config.metrics,
  });
  const { warnings } = summaryLines(report);
  for (const warning of warnings) deps.log.warn(`verify: ${warning}`);
  return pending > 0 ? "queued" : warnings.length > 0 ? "warnings" : "posted";
};
