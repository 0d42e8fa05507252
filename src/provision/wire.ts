import { v1, v2 } from "@datadog/datadog-api-client";
import type { JsonObject } from "../dashboards/types.js";

// dogdriver builds Datadog's snake_case JSON; the client takes and returns its camelCase models. The official
// ObjectSerializer converts both ways (and throws on a shape the model cannot hold).

type V1Model = "Dashboard" | "Monitor" | "MonitorUpdateRequest";
type V2Model =
  | "CreateDeploymentGateParams"
  | "CreateDeploymentRuleParams"
  | "UpdateDeploymentRuleParams"
  | "DeploymentRuleResponseDataAttributes";
type Model = V1Model | V2Model;

const V2_MODELS: readonly string[] = [
  "CreateDeploymentGateParams",
  "CreateDeploymentRuleParams",
  "UpdateDeploymentRuleParams",
  "DeploymentRuleResponseDataAttributes",
];
const serializer = (type: Model) => (V2_MODELS.includes(type) ? v2.ObjectSerializer : v1.ObjectSerializer);

export const toModel = <T>(json: JsonObject, type: Model): T =>
  serializer(type).deserialize(json, type, "") as T;

export const toJson = (model: unknown, type: Model): JsonObject =>
  JSON.parse(JSON.stringify(serializer(type).serialize(model, type, ""))) as JsonObject;
