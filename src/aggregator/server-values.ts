import type { RunRecord } from "../store/run-record.js";
import type { AggregateInput } from "./aggregate.js";
import { type Claim, releaseClaim } from "./claims.js";
import { throwIfCredentials } from "./datadog-failure.js";
import { type EndpointServerValues, planEndpointCalls, runEndpointCalls } from "./endpoint-query.js";
import { planQueries } from "./query-plan.js";
import { type QueryOutcome, runQueryCalls } from "./query-results.js";
import type { AggregateReport, KeyedRun } from "./types.js";

// Step 2 of an aggregate (docs/aggregator.md): the server values of the claimed runs that have none queued yet,
// the service's queries and then its endpoints', in as few calls as the plan allows. A refused key (401/403)
// releases every claim and is thrown, so that every run goes back to pending, untouched.

export interface ServerAnswers {
  /** The service queries' values per run key, and the runs that stay pending (why). */
  outcome: QueryOutcome;
  /** The server latency per endpoint per run key. */
  endpointValues: Map<string, EndpointServerValues>;
}

/** The claimed batches as step 2 sees them: their runs (with any values an earlier call queued) and claims. */
interface ClaimedBatch {
  claim?: Claim;
  runs: readonly (KeyedRun & { queued?: RunRecord })[];
}

export const askServerValues = async (
  { config, store, api, deps, dryRun }: AggregateInput,
  work: readonly ClaimedBatch[],
  report: AggregateReport,
): Promise<ServerAnswers> => {
  const canRead = api?.canRead ?? false;
  const canWrite = api?.canWrite ?? false;
  const toQuery = work.flatMap((b) => b.runs).filter((r) => r.queued === undefined);
  const plan = planQueries(toQuery, config.services);
  if (plan.unconfigured.length > 0)
    report.warnings.push(
      `${plan.unconfigured.length} run(s) of services missing from ${config.file}: completed from client data alone`,
    );
  let outcome: QueryOutcome = { values: new Map(), deferred: new Map() };
  let endpointValues = new Map<string, EndpointServerValues>();
  // A refused key (401/403, thrown by the calls below) sends every run back to pending, untouched.
  const untouchedOnRefusal = async <T>(calls: Promise<T>): Promise<T> => {
    try {
      return await calls;
    } catch (error) {
      await Promise.all(
        work.map((b) =>
          b.claim ? releaseClaim(store, b.claim, deps.clock.now()).catch(() => {}) : undefined,
        ),
      );
      throw error;
    }
  };
  if (canRead && api !== undefined) {
    const byKey = new Map(toQuery.map((r) => [r.key, r]));
    report.planned?.queries.push(...plan.calls);
    outcome = await untouchedOnRefusal(runQueryCalls(api, plan.calls, byKey, deps.signal));
    // The server per endpoint, for the runs the service's own queries completed (a deferred run asks again later).
    const endpointCalls = planEndpointCalls(
      toQuery.filter((r) => !outcome.deferred.has(r.key)),
      config.services,
    );
    report.planned?.queries.push(...endpointCalls);
    endpointValues = await untouchedOnRefusal(runEndpointCalls(api, endpointCalls, byKey, deps.signal));
  } else if (canWrite && api !== undefined && !dryRun && work.length > 0) {
    // No query tried the API key: one validation, so a wrong key leaves the runs pending too. Datadog
    // unavailable is not a refusal: the runs complete and their points wait in the outbox.
    await untouchedOnRefusal(api.validateKeys().catch(throwIfCredentials));
  }
  return { outcome, endpointValues };
};
