import { v2 } from "@datadog/datadog-api-client";
import type { Reply } from "./http-io.js";
import { hasUnparsed, modelError } from "./model-check.js";

// The v2 API's side of the emulator: request bodies read through the official v2 models, answers built as the
// official response models and written by the client's own serializer (so their shape is the one the client
// reads), and the JSON:API error body the newer v2 endpoints send.

/** `{"errors": [{"status", "title", "detail"}]}`, as the Deployment Gates endpoints answer errors. */
export const jsonApiError = (status: number, detail: string): Reply => ({
  status,
  body: {
    errors: [
      {
        status: String(status),
        title: status === 404 ? "Not Found" : status === 400 ? "Bad Request" : "Error",
        detail,
      },
    ],
  },
});

/** A request body as the official model `type`, or the 400 Datadog would answer. */
export const readModel = <T>(body: unknown, type: string, what: string): T | Reply => {
  let model: unknown;
  try {
    model = v2.ObjectSerializer.deserialize(body, type, "");
  } catch (error) {
    return jsonApiError(400, `Invalid ${what}: ${modelError(error)}`);
  }
  if (model === undefined || model === null || hasUnparsed(model))
    return jsonApiError(400, `Invalid ${what}: a value is not one of the allowed values`);
  return model as T;
};

export const isReply = (value: unknown): value is Reply =>
  value !== null && typeof value === "object" && "status" in value && typeof value.status === "number";

// Through the official model and back: a field the model does not know or an unparsed value is an emulator bug.
export const modelled = (body: unknown, type: string, status = 200): Reply => {
  const model = v2.ObjectSerializer.deserialize(body, type, "");
  if (hasUnparsed(model)) return jsonApiError(500, `Emulator error: ${type} does not fit the official model`);
  return { status, body: v2.ObjectSerializer.serialize(model, type, "") };
};
