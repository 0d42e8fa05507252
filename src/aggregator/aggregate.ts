import { randomUUID } from "node:crypto";
import type { Config } from "../config/types.js";
import { pushedSeries } from "../datadog/metric-filter.js";
import type { CallCounts, DatadogApi } from "../datadog/types.js";
import { dashboardUrl } from "../provision/app-url.js";
import { FLEET_DASHBOARD_KEY, readSiteState } from "../provision/provision-state.js";
import type { Deps } from "../state/deps.js";
import { mapOrdered } from "../store/map-ordered.js";
import type { RunStore } from "../store/types.js";
import {
  CLAIM_LEASE_MS,
  type Claim,
  claimRun,
  collectDeadClaims,
  releaseClaim,
  stillHeld,
} from "./claims.js";
import { completedRecord } from "./completed-record.js";
import { crashPoint } from "./crash-point.js";
import { throwIfCredentials } from "./datadog-failure.js";
import { type DoneIndex, doneIndex } from "./done-index.js";
import { isSettled } from "./event-ledger.js";
import { listEntries, readEntry, runEntryPath, writeEntry } from "./outbox.js";
import { flushOutbox } from "./outbox-flush.js";
import { planQueries } from "./query-plan.js";
import { type QueryOutcome, runQueryCalls } from "./query-results.js";
import { firstRuns, releaseEvent, releaseEventId } from "./release-events.js";
import { computeReleaseUpdate, dirtyPath, queueReleaseUpdate } from "./release-update.js";
import { runSeries } from "./run-series.js";
import { findSettledRuns } from "./settled-runs.js";
import type { AggregateReport, KeyedRun, OutboxEntry, RunResult } from "./types.js";

// `dogdriver aggregate`, the library half: claim settled runs, ask Datadog for their server values in as few
// calls as possible, store each completed run together with an outbox entry of what Datadog must receive,
// queue the release verdicts of the services touched, and send the outbox. docs/aggregator.md walks through
// every crash point and why each ends with every run aggregated once and every event posted once.

export interface AggregateInput {
  config: Config;
  store: RunStore;
  /** Undefined when no Datadog key is set: runs are completed from client data alone. */
  api?: DatadogApi;
  deps: Deps;
  dryRun: boolean;
}

interface WorkRun extends KeyedRun {
  claim?: Claim;
  /** An outbox entry left by an aggregator that stopped before storing the record: its values are reused. */
  queued?: OutboxEntry;
}

// Store round trips per run are independent; a few in flight hide S3 latency without flooding it.
const STORE_CONCURRENCY = 8;

export const emptyReport = (input: AggregateInput): AggregateReport => ({
  dry_run: input.dryRun,
  settle_ms: input.config.settleMs,
  datadog: { read: input.api?.canRead ?? false, write: input.api?.canWrite ?? false },
  runs: { processed: [], skipped_fresh: 0, claimed_elsewhere: 0, deferred: [], failed: [] },
  push: {
    points_sent: 0,
    points_too_old: 0,
    too_old_entries: [],
    outbox_pending: 0,
    events_posted: [],
    events_too_old: [],
  },
  calls: { queries: 0, submissions: 0, events: 0, other: 0 },
  warnings: [],
  datadog_keys: null,
  ...(input.dryRun ? { planned: { queries: [], series: [], events: [] } } : {}),
});

const callsSince = (api: DatadogApi | undefined, before: CallCounts | undefined): CallCounts => {
  const after = api?.calls() ?? { queries: 0, submissions: 0, events: 0, other: 0 };
  const b = before ?? { queries: 0, submissions: 0, events: 0, other: 0 };
  return {
    queries: after.queries - b.queries,
    submissions: after.submissions - b.submissions,
    events: after.events - b.events,
    other: after.other - b.other,
  };
};

const resultOf = (key: string, record: KeyedRun["record"]): RunResult => ({
  key,
  service: record.service,
  env: record.env,
  version: record.version,
  source: record.source,
  server: record.server ?? {},
  server_notes: record.server_notes ?? {},
  flags: record.flags ?? [],
});

const problem = (error: unknown) => (error instanceof Error ? error.message : String(error));

export const aggregate = async (input: AggregateInput): Promise<AggregateReport> => {
  const { config, store, api, deps, dryRun } = input;
  const report = emptyReport(input);
  const callsBefore = api?.calls();
  const canRead = api?.canRead ?? false;
  const canWrite = api?.canWrite ?? false;
  const owner = `${deps.hostname}/${randomUUID()}`;
  if (!canWrite && !canRead)
    report.datadog_keys =
      "Datadog keys not set (DD_API_KEY, DD_APP_KEY): runs are completed from their client data alone and nothing is sent to Datadog";
  else if (!canRead)
    report.datadog_keys = "DD_APP_KEY not set: server metrics are not queried (server stays empty)";
  else if (!canWrite) report.datadog_keys = "DD_API_KEY not set: nothing is sent to Datadog";

  const startMs = deps.clock.now();
  const done = doneIndex(store);
  const { settled, fresh, unreadable } = await findSettledRuns(store, done, startMs, config.settleMs);
  report.runs.skipped_fresh = fresh;
  report.runs.failed.push(...unreadable);

  // 1. Claim (a dry run claims nothing) and pick up values an interrupted aggregator already queued.
  const work: WorkRun[] = [];
  const claimOne = async (run: KeyedRun): Promise<WorkRun | undefined> => {
    // An unreadable entry (damaged, or caught mid-write) is recomputed and overwritten.
    const queued = (await readEntry(store, runEntryPath(run.record)).catch(() => undefined))?.entry;
    if (dryRun) return { ...run, ...(queued ? { queued } : {}) };
    const claim = await claimRun(store, run.key, owner, deps.clock.now());
    if (claim === undefined) return undefined;
    // Listed as pending before the claim: another aggregator may have completed it since.
    const current = await store.getRun(run.key);
    if (current?.state !== "pending") {
      await releaseClaim(store, claim);
      return undefined;
    }
    crashPoint(deps, "claimed");
    return { key: run.key, record: current, claim, ...(queued ? { queued } : {}) };
  };
  for await (const outcome of mapOrdered(settled, STORE_CONCURRENCY, async (run) => {
    try {
      return { run, claimed: await claimOne(run) };
    } catch (error) {
      return { run, error };
    }
  })) {
    if ("error" in outcome) report.runs.failed.push({ key: outcome.run.key, reason: problem(outcome.error) });
    else if (outcome.claimed === undefined) report.runs.claimed_elsewhere += 1;
    else work.push(outcome.claimed);
  }

  // 2. Server values: every run without queued values, in as few calls as the plan allows.
  const toQuery = work.filter((r) => r.queued?.record === undefined);
  const plan = planQueries(toQuery, config.services);
  if (plan.unconfigured.length > 0)
    report.warnings.push(
      `${plan.unconfigured.length} run(s) of services missing from ${config.file}: completed from client data alone`,
    );
  let outcome: QueryOutcome = { values: new Map(), deferred: new Map() };
  // A refused key (401/403, thrown by the calls below) sends every run back to pending, untouched.
  const untouchedOnRefusal = async <T>(calls: Promise<T>): Promise<T> => {
    try {
      return await calls;
    } catch (error) {
      await Promise.all(
        work.map((r) => (r.claim ? releaseClaim(store, r.claim).catch(() => {}) : undefined)),
      );
      throw error;
    }
  };
  if (canRead && api !== undefined) {
    report.planned?.queries.push(...plan.calls);
    outcome = await untouchedOnRefusal(
      runQueryCalls(api, plan.calls, new Map(toQuery.map((r) => [r.key, r])), deps.signal),
    );
  } else if (canWrite && api !== undefined && !dryRun && work.length > 0) {
    // No query tried the API key: one validation, so a wrong key leaves the runs pending too. Datadog
    // unavailable is not a refusal: the runs complete and their points wait in the outbox.
    await untouchedOnRefusal(api.validateKeys().catch(throwIfCredentials));
  }

  // 3. Complete each run: outbox entry, dirty marker, record, then release the claim.
  const first = await earliestRuns(work, done);
  const touched = new Set<string>();
  const complete = async (run: WorkRun): Promise<void> => {
    const deferred = outcome.deferred.get(run.key);
    if (deferred !== undefined) {
      report.runs.deferred.push({ key: run.key, reason: deferred });
      if (run.claim) await releaseClaim(store, run.claim);
      return;
    }
    const record =
      run.queued?.record ?? completedRecord(run.record, outcome.values.get(run.key), deps.clock.now());
    const release = releaseEvent(first.get(releaseEventId(record)) ?? record);
    const entry: OutboxEntry = run.queued ?? {
      schema: "dogdriver.outbox.v1",
      kind: "run",
      createdAtMs: deps.clock.now(),
      series: pushedSeries(runSeries(record), input.config.metrics),
      seriesSent: false,
      events: (await isSettled(store, release.id)) ? [] : [release],
      record,
    };
    if (dryRun) {
      // A queued entry is shown with the rest of the outbox (planOutbox).
      if (canWrite && run.queued === undefined) {
        report.planned?.series.push(...entry.series);
        report.planned?.events.push(...entry.events.map((e) => e.event));
      }
      touched.add(`${record.service}/${record.env}`);
      report.runs.processed.push(resultOf(run.key, record));
      return;
    }
    if (run.claim && !(await stillHeld(store, run.claim))) {
      report.runs.claimed_elsewhere += 1; // our lease ran out and another aggregator took the run over
      return;
    }
    if (canWrite) {
      if (run.queued === undefined) await writeEntry(store, runEntryPath(record), entry);
      crashPoint(deps, "outbox-written");
      await store.writeBlob(dirtyPath(record.service, record.env), "{}");
    }
    await store.putRun(record);
    crashPoint(deps, "record-written");
    if (run.claim) await releaseClaim(store, run.claim);
    touched.add(`${record.service}/${record.env}`);
    await done.add(record);
    report.runs.processed.push(resultOf(run.key, record));
  };
  for await (const failure of mapOrdered(work, STORE_CONCURRENCY, async (run) => {
    try {
      await complete(run);
      return undefined;
    } catch (error) {
      if (run.claim) await releaseClaim(store, run.claim).catch(() => {});
      return { key: run.key, reason: problem(error) };
    }
  }))
    if (failure) report.runs.failed.push(failure);

  // 4. Release verdicts of every service/env marked dirty (by this call, or one that stopped before this step).
  if (canWrite) await queueReleases(input, report, touched, done);
  if (!dryRun) {
    await done.save();
    await collectDeadClaims(store, deps.clock.now());
    // A writer killed mid-write leaves a temporary file or a lock; nothing lives that long (milliseconds).
    const swept = (await store.sweepLitter?.(CLAIM_LEASE_MS)) ?? 0;
    if (swept > 0) deps.log.info(`removed ${swept} temporary file(s) and lock(s) left by killed writers`);
  }

  if (canWrite) {
    // 5. Send what the outbox holds.
    if (!dryRun && api !== undefined)
      report.push.outbox_pending = await flushOutbox({ store, api, deps, owner, report });
    else if (dryRun) await planOutbox(input, report);
  }
  report.calls = callsSince(api, callsBefore);
  return report;
};

/** The fleet dashboard `provision` recorded in the store for this Datadog site, for the verdict events' link. */
const verdictLinks = async (input: AggregateInput): Promise<{ dashboardUrl?: string }> => {
  if (input.api === undefined) return {};
  const state = await readSiteState(input.store, input.api.site, input.deps.log);
  const id = state.dashboards[FLEET_DASHBOARD_KEY];
  return id === undefined ? {} : { dashboardUrl: dashboardUrl(input.api.site, id) };
};

/**
 * The earliest run of each release the runs of `work` belong to, among them and the finished runs of their
 * service/envs (an imported or backfilled run may be older than all of them). Without the history (unreadable
 * right now) the batch alone decides; the flush still dates each event at the earliest entry carrying it.
 */
const earliestRuns = async (work: readonly KeyedRun[], done: DoneIndex) => {
  const serviceEnvs = new Map(work.map((r) => [`${r.record.service}/${r.record.env}`, r.record]));
  const known = work.map((r) => r.record);
  for (const { service, env } of serviceEnvs.values())
    known.push(...(await done.history(service, env).catch(() => [])));
  return firstRuns(known);
};

const queueReleases = async (
  input: AggregateInput,
  report: AggregateReport,
  touched: Set<string>,
  done: DoneIndex,
) => {
  const { store, deps, dryRun } = input;
  const dirty = new Set(touched);
  const links = await verdictLinks(input);
  for await (const path of store.listBlobs("dirty/")) {
    const [, service, env] = path.replace(/\.json$/, "").split("/");
    if (service && env) dirty.add(`${service}/${env}`);
  }
  for (const serviceEnv of dirty) {
    const [service = "", env = ""] = serviceEnv.split("/");
    try {
      const computed = await computeReleaseUpdate(store, await done.history(service, env), links);
      const update = { ...computed, series: pushedSeries(computed.series, input.config.metrics) };
      if (dryRun) {
        report.planned?.series.push(...update.series);
        report.planned?.events.push(...update.events.map((e) => e.event));
        continue;
      }
      await queueReleaseUpdate(store, service, env, update, deps.clock.now());
      await store.deleteBlob(dirtyPath(service, env));
    } catch (error) {
      report.warnings.push(
        `release verdicts of ${serviceEnv} not queued (${problem(error)}): retried next time`,
      );
    }
  }
};

/** In a dry run, what the outbox would send besides this call's runs. */
const planOutbox = async (input: AggregateInput, report: AggregateReport) => {
  for (const path of await listEntries(input.store)) {
    const stored = await readEntry(input.store, path);
    if (stored === undefined || stored.entry.kind !== "run") continue;
    if (!stored.entry.seriesSent) report.planned?.series.push(...stored.entry.series);
    report.planned?.events.push(...stored.entry.events.map((e) => e.event));
  }
};
