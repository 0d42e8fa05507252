import type { v2 } from "@datadog/datadog-api-client";
import type { GateDefinition } from "../dashboards/deployment-gates.js";
import type { JsonObject } from "../dashboards/types.js";
import { DatadogError } from "../datadog/datadog-error.js";
import type { DatadogApi } from "../datadog/types.js";
import { DogdriverError } from "../errors.js";
import { safeText } from "../text/safe-text.js";
import { differences } from "./json-diff.js";
import type { GatePlan } from "./types.js";
import { toJson } from "./wire.js";

// Which deployment gates and rules exist, compared with what the configuration asks for. A gate is found by its
// identity (service, env, identifier: Datadog keeps one gate per identity), dogdriver's rule in it by its name.

// What an update of the rule sends (UpdateDeploymentRuleParams' attributes: the type cannot change).
const updatable = (rule: JsonObject): JsonObject =>
  Object.fromEntries(Object.entries(rule).filter(([key]) => ["name", "dry_run", "options"].includes(key)));

/** Everything as "create": a dry run without keys cannot read what exists. */
export const uncomparedGates = (definitions: readonly GateDefinition[]): GatePlan[] =>
  definitions.map((d) => ({
    key: d.key,
    service: d.service,
    env: d.env,
    identifier: d.identifier,
    gate: { action: "create", body: d.gate },
    rule: { action: "create", changes: [], body: d.rule },
  }));

const PREVIEW_HINT =
  "Deployment Gates are a Datadog preview: the organisation needs access to it and the application key the " +
  "deployment_gates_read and deployment_gates_write permissions. Without them, remove deployment_gates from " +
  "the configuration; nothing was changed.";

/** Every gate, or a message that says why Datadog refused to list them (a preview not enabled). */
const listGates = async (api: DatadogApi): Promise<v2.DeploymentGateResponseData[]> => {
  try {
    return await api.listDeploymentGates();
  } catch (error) {
    if (error instanceof DatadogError && (error.status === 403 || error.status === 404))
      throw new DogdriverError("datadog", `${error.message}. ${PREVIEW_HINT}`, { cause: error });
    throw error;
  }
};

const planRule = async (api: DatadogApi, gateId: string, wanted: JsonObject): Promise<GatePlan["rule"]> => {
  const found = (await api.getDeploymentGateRules(gateId)).find((r) => r.rule.name === wanted.name);
  if (found === undefined) return { action: "create", changes: [], body: wanted };
  // A rule's type cannot be updated; one of dogdriver's name but another type is someone else's rule.
  if (found.rule.type !== wanted.type)
    throw new DogdriverError(
      "datadog",
      `deployment gate ${safeText(gateId, 100)} already has a rule named "${String(wanted.name)}" of type ${safeText(String(found.rule.type), 100)}; rename or delete it so that provision can add its ${String(wanted.type)} rule. Nothing was changed.`,
    );
  const changes = differences(updatable(wanted), toJson(found.rule, "DeploymentRuleResponseDataAttributes"));
  return { action: changes.length === 0 ? "unchanged" : "update", id: found.id, changes, body: wanted };
};

/** Reads the gates (and the rules of those that exist) and compares them with `definitions`. Changes nothing. */
export const planGates = async (
  api: DatadogApi,
  definitions: readonly GateDefinition[],
): Promise<GatePlan[]> => {
  if (definitions.length === 0) return [];
  const existing = await listGates(api);
  const plans: GatePlan[] = [];
  for (const plan of uncomparedGates(definitions)) {
    const gate = existing.find(
      ({ attributes: a }) =>
        a.service === plan.service && a.env === plan.env && a.identifier === plan.identifier,
    );
    plans.push(
      gate === undefined
        ? plan
        : {
            ...plan,
            gate: { ...plan.gate, action: "unchanged", id: gate.id },
            rule: await planRule(api, gate.id, plan.rule.body),
          },
    );
  }
  return plans;
};

/** The request bodies of a gate plan, as Datadog's snake_case JSON (the dry run prints them). */
export const gateBodies = (plan: GatePlan) => ({
  gate: { data: { type: "deployment_gate", attributes: plan.gate.body } },
  createRule: { data: { type: "deployment_rule", attributes: plan.rule.body } },
  updateRule: { data: { type: "deployment_rule", attributes: updatable(plan.rule.body) } },
});
