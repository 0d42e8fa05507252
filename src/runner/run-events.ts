import { eventTags, locationTag } from "../datadog/tag-names.js";
import type { DatadogApi, DatadogEvent } from "../datadog/types.js";
import type { RunRecord } from "../store/run-record.js";

// A start and a stop event per run in Datadog, as the original dogdriver posted, so a load test shows up next
// to the service's own graphs. Only when keys are configured; an event that cannot be posted is a warning,
// never a reason to lose the run.

export interface RunEvent {
  id: string;
  service: string;
  env: string;
  version: string;
  source: string;
  test: string;
  team?: string;
  phase: "start" | "stop";
  atMs: number;
  record?: RunRecord;
}

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

/** The Datadog event of a run's start or stop (tagged dogdriver_event:run_start or run_end). */
export const runEventBody = (event: RunEvent): DatadogEvent => {
  const what = `${event.service}/${event.env} ${event.version}`;
  const failed = event.record?.state === "failed";
  return {
    title:
      event.phase === "start"
        ? `dogdriver load test started: ${what}`
        : `dogdriver load test ${failed ? "failed" : "finished"}: ${what}`,
    text:
      event.phase === "start"
        ? `run ${event.id} from ${event.source}, test "${event.test}"`
        : stopText(event.record as RunRecord),
    tags: eventTags(event.phase === "start" ? "run_start" : "run_end", [
      `service:${event.service}`,
      `env:${event.env}`,
      `version:${event.version}`,
      locationTag(event.source),
      `test:${event.test}`,
      ...(event.team === undefined ? [] : [`team:${event.team}`]),
    ]),
    aggregationKey: `dogdriver-run-${event.id}`,
    alertType: event.phase === "start" ? "info" : failed ? "error" : "success",
    timestampMs: event.atMs,
  };
};

export const postRunEvent = async (
  ctx: { datadog: DatadogApi | undefined; deps: { log: { warn(m: string): void } } },
  event: RunEvent,
): Promise<void> => {
  if (ctx.datadog === undefined) return;
  try {
    await ctx.datadog.postEvent(runEventBody(event));
  } catch (error) {
    ctx.deps.log.warn(
      `Datadog event for ${event.service}/${event.env} ${event.version} not posted: ${(error as Error).message}`,
    );
  }
};
