import type { v2 } from "@datadog/datadog-api-client";
import type { DatadogApi } from "../datadog/types.js";
import { DogdriverError } from "../errors.js";
import type { Logger } from "../state/deps.js";
import { safeText } from "../text/safe-text.js";
import { gateBodies } from "./gates-plan.js";
import type { GatePlan } from "./types.js";
import { toModel } from "./wire.js";

// Makes the gates part of a plan real: a missing gate is created, then dogdriver's rule in it is created or
// updated. The bodies are turned into the client's models first, all of them, so a body the models refuse
// stops provision before its first gate write.

type Bodies = {
  plan: GatePlan;
  gate: v2.CreateDeploymentGateParams;
  createRule: v2.CreateDeploymentRuleParams;
  updateRule: v2.UpdateDeploymentRuleParams;
};

const where = (p: GatePlan) => `deployment gate ${p.service}/${p.env} (identifier ${p.identifier})`;

/** The client's models of every gate body; throws (the client's message) on one that does not fit. */
export const gateModels = (plans: readonly GatePlan[]): Bodies[] =>
  plans.map((plan) => {
    const json = gateBodies(plan);
    try {
      return {
        plan,
        gate: toModel<v2.CreateDeploymentGateParams>(json.gate, "CreateDeploymentGateParams"),
        createRule: toModel<v2.CreateDeploymentRuleParams>(json.createRule, "CreateDeploymentRuleParams"),
        updateRule: toModel<v2.UpdateDeploymentRuleParams>(json.updateRule, "UpdateDeploymentRuleParams"),
      };
    } catch (error) {
      throw new DogdriverError(
        "internal",
        `${where(plan)}: the Datadog client refused its body (${(error as Error).message}). Nothing was changed.`,
        { cause: error },
      );
    }
  });

/** Applies the gate plans; returns the gate id of each service/env. */
export const applyGates = async (
  api: DatadogApi,
  bodies: readonly Bodies[],
  log: Logger,
): Promise<Record<string, string>> => {
  const ids: Record<string, string> = {};
  for (const { plan, gate, createRule, updateRule } of bodies) {
    let gateId = plan.gate.id;
    if (plan.gate.action === "create" || gateId === undefined) {
      gateId = (await api.createDeploymentGate(gate)).id;
      log.info(`created ${where(plan)}: ${safeText(gateId, 100)}`);
    }
    ids[plan.key] = gateId;
    const rule = plan.rule;
    if (rule.action === "create" || rule.id === undefined) {
      const created = await api.createDeploymentRule(gateId, createRule);
      log.info(
        `created rule ${safeText(String(created.id), 100)} "${String(rule.body.name)}" in ${where(plan)}`,
      );
    } else if (rule.action === "update") {
      await api.updateDeploymentRule(gateId, rule.id, updateRule);
      log.info(
        `updated rule ${safeText(String(rule.id), 100)} "${String(rule.body.name)}" in ${where(plan)} (${rule.changes.length} difference(s))`,
      );
    } else {
      log.info(`${where(plan)}: no changes`);
    }
  }
  return ids;
};
