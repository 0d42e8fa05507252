import { v1 } from "@datadog/datadog-api-client";
import { errorReply, type Reply } from "./http-io.js";
import { intakeTags } from "./intake-names.js";
import { hasUnparsed, modelError } from "./model-check.js";
import type { StoredEvent } from "./types.js";

// POST /api/v1/events. Limits from the EventCreateRequest docs: text 4000 characters, aggregation_key 100,
// date_happened no older than 18 hours.

const MAX_TEXT = 4000;
const MAX_AGGREGATION_KEY = 100;
const MAX_AGE_SECONDS = 18 * 3600;

export const createEvent = (
  body: unknown,
  nowMs: number,
  id: number,
): { reply: Reply; event?: StoredEvent } => {
  let request: v1.EventCreateRequest;
  try {
    request = v1.ObjectSerializer.deserialize(body, "EventCreateRequest", "") as v1.EventCreateRequest;
  } catch (error) {
    return { reply: errorReply(400, `Invalid event: ${modelError(error)}`) };
  }
  if (hasUnparsed(request))
    return { reply: errorReply(400, "Invalid event: alert_type or priority not allowed") };
  if (request.text.length > MAX_TEXT)
    return { reply: errorReply(400, `Event text over ${MAX_TEXT} characters`) };
  if ((request.aggregationKey?.length ?? 0) > MAX_AGGREGATION_KEY) {
    return { reply: errorReply(400, `Event aggregation_key over ${MAX_AGGREGATION_KEY} characters`) };
  }
  const nowSeconds = Math.floor(nowMs / 1000);
  const dateHappened = request.dateHappened ?? nowSeconds;
  if (dateHappened < nowSeconds - MAX_AGE_SECONDS) {
    return { reply: errorReply(400, "Event date_happened is older than 18 hours") };
  }
  const event: StoredEvent = {
    id,
    title: request.title,
    text: request.text,
    tags: intakeTags(request.tags ?? []),
    date_happened: dateHappened,
    ...(request.alertType ? { alert_type: String(request.alertType) } : {}),
    ...(request.aggregationKey ? { aggregation_key: request.aggregationKey } : {}),
    ...(request.priority ? { priority: String(request.priority) } : {}),
    ...(request.sourceTypeName ? { source_type_name: request.sourceTypeName } : {}),
    ...(request.host ? { host: request.host } : {}),
  };
  const reply = {
    status: 202,
    body: {
      status: "ok",
      event: {
        ...event,
        id_str: String(id),
        priority: event.priority ?? "normal",
        url: `https://app.datadoghq.com/event/event?id=${id}`,
      },
    },
  };
  return { reply, event };
};
