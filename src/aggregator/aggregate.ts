import { randomUUID } from "node:crypto";
import type { MetricFilter } from "../config/metric-filter.js";
import type { Config } from "../config/types.js";
import type { CallCounts, DatadogApi } from "../datadog/types.js";
import type { Deps } from "../state/deps.js";
import { limitedStore } from "../store/limited-store.js";
import { mapOrdered } from "../store/map-ordered.js";
import type { RunRecord } from "../store/run-record.js";
import type { RunStore } from "../store/types.js";
import {
  CLAIM_LEASE_MS,
  type Claim,
  claimBatch,
  collectDeadClaims,
  readLease,
  releaseClaim,
  stillHeld,
} from "./claims.js";
import { completedRecord } from "./completed-record.js";
import { crashPoint } from "./crash-point.js";
import { type DoneIndex, doneIndex } from "./done-index.js";
import { isSettled } from "./event-ledger.js";
import { readOutbox, runEntryPath, type StoredEntry, writeEntry } from "./outbox.js";
import { batchRunSeries, flushOutbox } from "./outbox-flush.js";
import { queueReleases } from "./queue-releases.js";
import { firstRuns, releaseEvent, releaseEventId } from "./release-events.js";
import { dirtyPath } from "./release-update.js";
import { askServerValues } from "./server-values.js";
import { type Batch, findSettledRuns } from "./settled-runs.js";
import type { AggregateReport, KeyedRun, OutboxEntry, OutboxEvent, RunResult } from "./types.js";

// `dogdriver aggregate`, the library half: claim the settled runs of each service/env as a batch, ask Datadog
// for their server values in as few calls as possible, store each batch's completed runs together with one
// outbox entry of what Datadog must receive, queue the release verdicts of the services touched, and send the
// outbox. docs/aggregator.md walks through every crash point and why each ends with every run aggregated once
// and every event posted once.

export interface AggregateInput {
  config: Config;
  store: RunStore;
  /** Undefined when no Datadog key is set: runs are completed from client data alone. */
  api?: DatadogApi;
  deps: Deps;
  dryRun: boolean;
  /** Store requests in flight (config `store_concurrency`). */
  concurrency?: number;
}

interface WorkRun extends KeyedRun {
  /** The record an aggregator that stopped before storing it left in the outbox: its values are reused. */
  queued?: RunRecord;
}

interface WorkBatch extends Batch {
  claim?: Claim;
  runs: WorkRun[];
}

// Store round trips that do not depend on each other: enough in flight to hide S3's latency (tens of ms each),
// few enough to stay under the SDK's 50 sockets.
export const DEFAULT_STORE_CONCURRENCY = 16;

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
    outbox_elsewhere: 0,
    events_posted: [],
    events_too_old: [],
  },
  verdicts_judged: [],
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
  const { config, api, deps, dryRun } = input;
  const concurrency = input.concurrency ?? config.storeConcurrency ?? DEFAULT_STORE_CONCURRENCY;
  const store = limitedStore(input.store, concurrency);
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
  // The outbox as it is now, read once: the values an interrupted aggregator queued, and what the flush sends.
  const outbox = await readOutbox(store, concurrency, report.warnings);
  const { batches, fresh, unreadable } = await findSettledRuns(store, done, {
    nowMs: startMs,
    settleMs: config.settleMs,
    concurrency,
    ...(dryRun
      ? {}
      : { readLease: (service, env) => readLease(store, service, env, owner, deps.clock.now()) }),
  });
  report.runs.skipped_fresh = fresh;
  report.runs.failed.push(...unreadable);

  // 1. Claim each service/env's batch (a dry run claims nothing); pick up values already queued.
  const work: WorkBatch[] = [];
  for await (const outcome of mapOrdered(batches, concurrency, async (batch) => {
    try {
      if (dryRun || batch.lease === undefined) return { batch };
      return { batch, claim: await claimBatch(store, batch.lease, owner, deps.clock.now()) };
    } catch (error) {
      return { batch, error };
    }
  })) {
    const { batch } = outcome;
    if ("error" in outcome) {
      for (const run of batch.runs) report.runs.failed.push({ key: run.key, reason: problem(outcome.error) });
      continue;
    }
    if (!dryRun && outcome.claim === undefined) {
      report.runs.claimed_elsewhere += batch.runs.length + batch.completedMeanwhile;
      continue;
    }
    for (const _ of batch.runs) crashPoint(deps, "claimed");
    work.push({
      ...batch,
      ...(outcome.claim ? { claim: outcome.claim } : {}),
      runs: batch.runs.map((run) => {
        const queued = outbox.records.get(run.record.id);
        return queued ? { ...run, queued } : run;
      }),
    });
  }

  // 2. Server values: every run without queued values, in as few calls as the plan allows.
  const { outcome, endpointValues } = await askServerValues({ ...input, store }, work, report);

  // 3. Complete each batch: one outbox entry, one dirty marker, a record per run, then release the lease.
  const earliest = await earliestRuns(
    work.flatMap((b) => b.runs),
    done,
  );
  const touched = new Set<string>();
  const releaseSettled = new Map<string, Promise<boolean>>();
  const settledOnce = (id: string) => {
    const settled = releaseSettled.get(id) ?? isSettled(store, id);
    releaseSettled.set(id, settled);
    return settled;
  };
  const completeBatch = async (batch: WorkBatch): Promise<void> => {
    const ready: { run: WorkRun; record: RunRecord }[] = [];
    for (const run of batch.runs) {
      const deferred = outcome.deferred.get(run.key);
      if (deferred !== undefined) report.runs.deferred.push({ key: run.key, reason: deferred });
      else
        ready.push({
          run,
          record:
            run.queued ??
            completedRecord(
              run.record,
              outcome.values.get(run.key),
              deps.clock.now(),
              endpointValues.get(run.key),
            ),
        });
    }
    if (ready.length === 0) return;
    // Runs whose values were already queued keep their entry; the others share one.
    const records = ready.filter((r) => r.run.queued === undefined).map((r) => r.record);
    const events = new Map<string, OutboxEvent>();
    for (const record of records) {
      const release = releaseEvent(earliest.get(releaseEventId(record)) ?? record);
      if (!events.has(release.id) && !(await settledOnce(release.id))) events.set(release.id, release);
    }
    const serviceEnv = `${batch.service}/${batch.env}`;
    if (dryRun) {
      if (canWrite) {
        report.planned?.series.push(...records.flatMap((r) => batchRunSeries(r, input.config.metrics)));
        report.planned?.events.push(...[...events.values()].map((e) => e.event));
      }
      touched.add(serviceEnv);
      for (const { run, record } of ready) report.runs.processed.push(resultOf(run.key, record));
      return;
    }
    if (batch.claim && !(await stillHeld(store, batch.claim))) {
      report.runs.claimed_elsewhere += ready.length; // our lease ran out and another aggregator took them over
      return;
    }
    if (canWrite) {
      const first = records[0];
      if (first !== undefined) {
        const path = runEntryPath(first);
        const entry: OutboxEntry = {
          schema: "dogdriver.outbox.v1",
          kind: "run",
          createdAtMs: deps.clock.now(),
          series: [],
          seriesSent: false,
          events: [...events.values()],
          records,
        };
        outbox.entries.set(path, { path, etag: await writeEntry(store, path, entry), entry });
      }
      for (const _ of ready) crashPoint(deps, "outbox-written");
      await store.writeBlob(dirtyPath(batch.service, batch.env), "{}");
    }
    for await (const failure of mapOrdered(ready, concurrency, async ({ run, record }) => {
      try {
        await store.putRun(record, run.etag ? { ifMatch: run.etag } : {});
        crashPoint(deps, "record-written");
        await done.add(record);
        report.runs.processed.push(resultOf(run.key, record));
        return undefined;
      } catch (error) {
        return { key: run.key, reason: problem(error) };
      }
    }))
      if (failure) report.runs.failed.push(failure);
    touched.add(serviceEnv);
  };
  for await (const failure of mapOrdered(work, concurrency, async (batch) => {
    try {
      await completeBatch(batch);
      return [];
    } catch (error) {
      return batch.runs.map((run) => ({ key: run.key, reason: problem(error) }));
    } finally {
      if (batch.claim) await releaseClaim(store, batch.claim, deps.clock.now()).catch(() => {});
    }
  }))
    report.runs.failed.push(...failure);

  // 4. Release verdicts of every service/env marked dirty (by this call, or one that stopped before this step).
  if (canWrite)
    await queueReleases(
      { ...input, store },
      report,
      touched,
      done,
      outbox.entries,
      input.concurrency ?? DEFAULT_STORE_CONCURRENCY,
    );
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
      report.push.outbox_pending = await flushOutbox({
        store,
        api,
        deps,
        owner,
        report,
        known: outbox.entries,
        concurrency,
        metrics: input.config.metrics,
      });
    else if (dryRun) planOutbox(outbox.entries, report, input.config.metrics);
  }
  report.calls = callsSince(api, callsBefore);
  return report;
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

/** In a dry run, what the outbox would send besides this call's runs. */
const planOutbox = (entries: Map<string, StoredEntry>, report: AggregateReport, metrics: MetricFilter) => {
  for (const { entry } of entries.values()) {
    if (entry.kind === "release") continue;
    if (!entry.seriesSent)
      report.planned?.series.push(
        ...entry.series,
        ...(entry.records ?? []).flatMap((r) => batchRunSeries(r, metrics)),
      );
    report.planned?.events.push(...entry.events.map((e) => e.event));
  }
};
