import { eventTags } from "../datadog/tag-names.js";
import type { RunRecord } from "../store/run-record.js";
import { eventId } from "./event-ledger.js";
import type { OutboxEvent } from "./types.js";

// The release event (docs/contract.md): posted once when a version of a service/env is first seen. Its identity is
// the service, env and version, so every run of that version queues the same event and the ledger keeps one.

export const releaseEvent = (record: RunRecord): OutboxEvent => {
  const id = eventId("release", record.service, record.env, record.version);
  return {
    id,
    event: {
      title: `${record.service} ${record.env}: release ${record.version} first seen`,
      text: `dogdriver load-tested ${record.service} (${record.env}) at version ${record.version} for the first time, from ${record.source} at ${record.started_at}.`,
      tags: eventTags("release", [
        `service:${record.service}`,
        `env:${record.env}`,
        `version:${record.version}`,
        ...(record.team === undefined ? [] : [`team:${record.team}`]),
      ]),
      aggregationKey: `dogdriver-release-${id}`,
      alertType: "info",
      timestampMs: Date.parse(record.started_at),
    },
  };
};
