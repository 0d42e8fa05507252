import { eventId } from "../aggregator/event-ledger.js";
import { runEventsEntryPath, writeEntry } from "../aggregator/outbox.js";
import type { OutboxEntry, OutboxEvent } from "../aggregator/types.js";
import { eventTags, locationTag } from "../datadog/tag-names.js";
import type { DatadogEvent } from "../datadog/types.js";
import type { RunRecord } from "../store/run-record.js";
import type { RunStore } from "../store/types.js";

// A start and a stop event per run in Datadog, as the original dogdriver posted, so a load test shows up next
// to the service's own graphs. `run` never talks to Datadog: it queues both events in the store's outbox next to
// the record, and `aggregate` posts them (retried, each once through the event ledger). A hanging Datadog
// therefore cannot hold a run up, and `run` loads no part of Datadog's client (~1.8 s and ~180 MB).

type Phase = "start" | "stop";

const stopText = (record: RunRecord) => {
  const { client } = record;
  const latency = client.latency_ms;
  const lines = [
    `${client.requests} requests, ${client.errors} errors, ${client.rps} rps`,
    `latency p50 ${latency.p50 ?? "-"} ms, p95 ${latency.p95 ?? "-"} ms, p99 ${latency.p99 ?? "-"} ms`,
  ];
  if (record.reason) lines.unshift(`failed: ${record.reason}`);
  return lines.join("\n");
};

/**
 * The Datadog event of one phase of a run (tagged dogdriver_event:run_start or run_end), from the record alone: the
 * start names the version before the load.
 */
export const runEvent = (record: RunRecord, phase: Phase): DatadogEvent => {
  const version = phase === "start" ? (record.version_before ?? record.version) : record.version;
  const what = `${record.service}/${record.env} ${version}`;
  const failed = record.state === "failed";
  return {
    title:
      phase === "start"
        ? `dogdriver load test started: ${what}`
        : `dogdriver load test ${failed ? "failed" : "finished"}: ${what}`,
    text:
      phase === "start" ? `run ${record.id} from ${record.source}, test "${record.test}"` : stopText(record),
    tags: eventTags(phase === "start" ? "run_start" : "run_end", [
      `service:${record.service}`,
      `env:${record.env}`,
      `version:${version}`,
      locationTag(record.source),
      `test:${record.test}`,
      ...(record.team === undefined ? [] : [`team:${record.team}`]),
    ]),
    aggregationKey: `dogdriver-run-${record.id}`,
    alertType: phase === "start" ? "info" : failed ? "error" : "success",
    timestampMs: Date.parse(phase === "start" ? record.started_at : record.ended_at),
  };
};

/** Both events of a run, each with the identity the event ledger keeps posted once. */
export const runEvents = (record: RunRecord): OutboxEvent[] =>
  (["start", "stop"] as const).map((phase) => ({
    id: eventId("run", record.id, phase),
    event: runEvent(record, phase),
  }));

/**
 * Queues a stored run's start and stop events for `aggregate` to post. Writing the same run again (a spooled
 * record delivered twice) rewrites the same entry with the same event ids: the ledger still posts each once.
 */
export const queueRunEvents = (store: RunStore, record: RunRecord, nowMs: number): Promise<string> =>
  writeEntry(store, runEventsEntryPath(record), {
    schema: "dogdriver.outbox.v1",
    kind: "events",
    createdAtMs: nowMs,
    series: [],
    seriesSent: true,
    events: runEvents(record),
  } satisfies OutboxEntry);
