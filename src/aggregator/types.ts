import type { CallCounts, DatadogEvent, MetricSeries, NamedQuery } from "../datadog/types.js";
import type { RunRecord } from "../store/run-record.js";

// The aggregator's own shapes: what it keeps in the store under _dogdriver/ (claims, outbox, event ledger,
// dirty markers) and what it reports back (AggregateReport, printed by --json).

/** A run the aggregator is about to complete, with its store key. */
export interface KeyedRun {
  key: string;
  record: RunRecord;
  /** The record's version as read, so completing it is one conditional PUT. */
  etag?: string;
}

/** _dogdriver/claims/<service>/<env>/<file>: who works on a run, until when. */
export interface ClaimBody {
  owner: string;
  claimedAtMs: number;
  expiresAtMs: number;
}

/** An event with the identity the ledger deduplicates on. */
export interface OutboxEvent {
  id: string;
  event: DatadogEvent;
}

/**
 * _dogdriver/outbox/<name>.json: what Datadog has not accepted yet. "run" entries hold a run's gauges (at the
 * run's start time) and the aggregated record (so a rerun after a crash reuses the same values); "release"
 * entries hold dogdriver.release.* values, stamped when they are sent (they describe the current verdict);
 * "events" entries hold a run's start and stop events, queued by `run` (written once, deleted once posted).
 */
export interface OutboxEntry {
  schema: "dogdriver.outbox.v1";
  kind: "run" | "release" | "events";
  createdAtMs: number;
  series: MetricSeries[];
  seriesSent: boolean;
  events: OutboxEvent[];
  /** A "run" entry written before batches: one run, its gauges in `series`. */
  record?: RunRecord;
  /** A "run" entry of a batch: its runs' completed records; their gauges are runSeries(record) of each. */
  records?: RunRecord[];
}

/** _dogdriver/events/<id>.json: the ledger that makes each event posted once. */
export interface LedgerBody {
  /** failed: may be tried again; rejected: Datadog refused it for good (400), never tried again. */
  state: "sending" | "posted" | "failed" | "too_old" | "rejected";
  owner: string;
  atMs: number;
  title: string;
  reason?: string;
}

/** One Datadog query call the aggregator makes (or would make, in a dry run). */
export interface PlannedQuery {
  service: string;
  env: string;
  fromMs: number;
  toMs: number;
  intervalMs: number;
  queries: NamedQuery[];
  /** Store keys of the runs this call covers. */
  runs: string[];
}

export interface RunResult {
  key: string;
  service: string;
  env: string;
  version: string;
  source: string;
  server: Record<string, number | null>;
  server_notes: Record<string, string>;
  flags: string[];
}

export interface RunProblem {
  key: string;
  reason: string;
}

/** What one `aggregate` call did; `--json` prints it. */
export interface AggregateReport {
  dry_run: boolean;
  settle_ms: number;
  datadog: { read: boolean; write: boolean };
  runs: {
    /** Completed by this call. */
    processed: RunResult[];
    /** Pending but not settled yet. */
    skipped_fresh: number;
    /**
     * Runs of the service/envs another aggregator held during this call: its pending ones, and the ones that
     * aggregator completed while this call read them.
     */
    claimed_elsewhere: number;
    /** Left pending for a later call (Datadog unavailable, rate limited, interrupted). */
    deferred: RunProblem[];
    /** Could not be completed (store errors, invalid data). */
    failed: RunProblem[];
  };
  push: {
    /** Gauge points Datadog accepted in this call. */
    points_sent: number;
    /** Points older than Datadog accepts: not sent, kept in _dogdriver/too-old/ (see docs/aggregator.md). */
    points_too_old: number;
    too_old_entries: string[];
    /** Outbox entries left for a later call (Datadog unavailable, unreadable, interrupted). */
    outbox_pending: number;
    /** Outbox entries another aggregator was sending during this call (not pending: being sent). */
    outbox_elsewhere: number;
    events_posted: string[];
    events_too_old: string[];
  };
  /**
   * The service/envs ("name/env") whose release verdicts this call recomputed: those with runs it completed, or
   * left dirty by a call that stopped first. Services without new runs are not judged again.
   */
  verdicts_judged: string[];
  /** Datadog calls made by this call. */
  calls: CallCounts;
  /** Only in a dry run: the exact calls that would have been made. */
  planned?: {
    queries: PlannedQuery[];
    series: MetricSeries[];
    events: DatadogEvent[];
  };
  warnings: string[];
  /** What is skipped for want of Datadog keys (null with both keys): said once per process, not per call. */
  datadog_keys: string | null;
}
