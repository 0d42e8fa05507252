import { v1 } from "@datadog/datadog-api-client";
import type { JsonObject } from "../dashboards/types.js";

// dogdriver builds Datadog's snake_case JSON; the client takes and returns its camelCase models. The official
// ObjectSerializer converts both ways (and throws on a shape the model cannot hold).

type Model = "Dashboard" | "Monitor" | "MonitorUpdateRequest";

export const toModel = <T>(json: JsonObject, type: Model): T =>
  v1.ObjectSerializer.deserialize(json, type, "") as T;

export const toJson = (model: unknown, type: Model): JsonObject =>
  JSON.parse(JSON.stringify(v1.ObjectSerializer.serialize(model, type, ""))) as JsonObject;
