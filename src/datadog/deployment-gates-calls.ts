import { type client, logger, v2 } from "@datadog/datadog-api-client";
import { DogdriverError } from "../errors.js";
import type { DeploymentGateCalls, DeploymentRule } from "./types.js";

// Datadog Deployment Gates through the official client's v2 DeploymentGatesApi. The API is a preview: in
// @datadog/datadog-api-client 1.64.0 every one of its operations is "unstable", refused by the client unless
// switched on per operation (DATADOG-NOTES §1), and each call logs "Using unstable operation" through the client's
// own console logger. `provision` says once that gates are a preview API (provision.ts); the client's repetition
// of it on the console is silenced.

const OPERATIONS = [
  "v2.listDeploymentGates",
  "v2.createDeploymentGate",
  "v2.getDeploymentGateRules",
  "v2.createDeploymentRule",
  "v2.updateDeploymentRule",
] as const;

/** Page size of the gate list (Datadog: 1 to 1000, default 50). */
const PAGE_SIZE = 100;
/** A cursor that never ends (a proxy's bug, a changed API) stops here: 20,000 gates. */
const MAX_PAGES = 200;

const ruleId = (rule: v2.DeploymentRuleResponseDataAttributes): string | undefined => {
  // The rules list has no `id` in its model; Datadog sends it as an extra attribute of each rule (the Terraform
  // provider reads it the same way: resource_datadog_deployment_gate.go, AdditionalProperties["id"]).
  const id = rule.additionalProperties?.id;
  return typeof id === "string" && id !== "" ? id : undefined;
};

/** The Deployment Gates calls over `configuration` (its httpApi is dogdriver's Transport). */
export const deploymentGateCalls = (configuration: client.Configuration): DeploymentGateCalls => {
  for (const operation of OPERATIONS) configuration.unstableOperations[operation] = true;
  logger.setLevel(logger.levels.ERROR);
  const api = new v2.DeploymentGatesApi(configuration);
  return {
    listDeploymentGates: async () => {
      const gates: v2.DeploymentGateResponseData[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < MAX_PAGES; page += 1) {
        const answer = await api.listDeploymentGates({
          pageSize: PAGE_SIZE,
          ...(cursor === undefined ? {} : { pageCursor: cursor }),
        });
        gates.push(...(answer.data ?? []));
        const next = answer.meta?.page?.nextCursor;
        if (next === undefined || next === "" || next === cursor) return gates;
        cursor = next;
      }
      throw new DogdriverError(
        "datadog",
        `listing deployment gates: still more after ${MAX_PAGES} pages of ${PAGE_SIZE}; stopped`,
      );
    },
    createDeploymentGate: async (body) => {
      const answer = await api.createDeploymentGate({ body });
      if (answer.data === undefined)
        throw new DogdriverError("datadog", "creating a deployment gate: Datadog answered without the gate");
      return answer.data;
    },
    getDeploymentGateRules: async (gateId) => {
      const answer = await api.getDeploymentGateRules({ gateId });
      return (answer.data?.attributes.rules ?? []).flatMap((rule): DeploymentRule[] => {
        const id = ruleId(rule);
        return id === undefined ? [] : [{ id, rule }];
      });
    },
    createDeploymentRule: async (gateId, body) => {
      const answer = await api.createDeploymentRule({ gateId, body });
      if (answer.data === undefined)
        throw new DogdriverError(
          "datadog",
          `creating a rule of deployment gate ${gateId}: Datadog answered without the rule`,
        );
      return answer.data;
    },
    updateDeploymentRule: async (gateId, id, body) => {
      await api.updateDeploymentRule({ gateId, id, body });
    },
  };
};
