import { randomUUID } from "node:crypto";
import type { v2 } from "@datadog/datadog-api-client";
import type { Reply } from "./http-io.js";
import type { Route } from "./route.js";
import { isReply, jsonApiError, modelled, readModel } from "./v2-models.js";

// Datadog Deployment Gates (/api/v2/deployment_gates, a preview API): gates create, list (cursor paging,
// page[size] 1 to 1000, default 50), get, update (only dry_run: service, env and identifier are the gate's
// identity), delete; a gate's rules create, list, get, update. Bodies are read through the official v2 models
// (CreateDeploymentGateParams, CreateDeploymentRuleParams, Update*), so a missing required field or a wrong type
// is the 400 Datadog answers. What the models cannot say is checked as the Deployment Gates docs state it: the
// rule type is monitor or faulty_deployment_detection, a monitor rule selects by `query` or by `monitor_ids`
// (not both), durations are 0 to 7200 s, rule names are unique within a gate. A second gate with the same
// service, env and identifier is refused with 400 (the status Datadog uses there is UNCONFIRMED).

export interface StoredRule {
  id: string;
  gate_id: string;
  name: string;
  type: string;
  dry_run: boolean;
  /** Snake_case, as sent. */
  options: Record<string, unknown>;
  created_at: string;
  updated_at?: string;
}

export interface StoredGate {
  id: string;
  service: string;
  env: string;
  identifier: string;
  dry_run: boolean;
  created_at: string;
  updated_at?: string;
  rules: StoredRule[];
}

const CREATED_BY = {
  id: "00000000-0000-0000-0000-000000000001",
  handle: "emulator@example.com",
  name: "Emulator",
};
const MAX_DURATION_S = 7200;
const RULE_TYPES = ["monitor", "faulty_deployment_detection"];

const gateData = (g: StoredGate) => ({
  id: g.id,
  type: "deployment_gate",
  attributes: {
    created_at: g.created_at,
    created_by: CREATED_BY,
    dry_run: g.dry_run,
    env: g.env,
    identifier: g.identifier,
    service: g.service,
    ...(g.updated_at === undefined ? {} : { updated_at: g.updated_at, updated_by: CREATED_BY }),
  },
});

const ruleAttributes = (r: StoredRule) => ({
  created_at: r.created_at,
  created_by: CREATED_BY,
  dry_run: r.dry_run,
  gate_id: r.gate_id,
  name: r.name,
  options: r.options,
  type: r.type,
  ...(r.updated_at === undefined ? {} : { updated_at: r.updated_at, updated_by: CREATED_BY }),
});

const ruleReply = (r: StoredRule): Reply =>
  modelled(
    { data: { id: r.id, type: "deployment_rule", attributes: ruleAttributes(r) } },
    "DeploymentRuleResponse",
  );

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v);

/** Why Datadog would refuse these rule options for this rule type (raw snake_case), or undefined. */
const optionsProblem = (type: string, options: Record<string, unknown>): string | undefined => {
  const duration = options.duration;
  if (duration !== undefined && (typeof duration !== "number" || duration < 0 || duration > MAX_DURATION_S))
    return `options.duration must be between 0 and ${MAX_DURATION_S} seconds`;
  if (type === "monitor") {
    const hasQuery = typeof options.query === "string";
    const hasIds = Array.isArray(options.monitor_ids);
    if (hasQuery === hasIds)
      return "a monitor rule needs exactly one of options.query and options.monitor_ids";
    if (hasQuery && String(options.query).trim() === "") return "options.query must not be empty";
    if ("excluded_resources" in options || "allowed_resources" in options)
      return "excluded_resources and allowed_resources are options of faulty_deployment_detection rules";
  } else if ("query" in options || "monitor_ids" in options) {
    return "query and monitor_ids are options of monitor rules";
  }
  return undefined;
};

/** The rule's snake_case body if Datadog would take it, else the 400. */
const checkedRule = (
  body: unknown,
  model: "CreateDeploymentRuleParams" | "UpdateDeploymentRuleParams",
  type: string | undefined,
): { name: string; type: string; dry_run: boolean; options: Record<string, unknown> } | Reply => {
  const read = readModel<{ data: { attributes: { name: string } } }>(body, model, "deployment rule");
  if (isReply(read)) return read;
  const attributes = (body as { data: { attributes: Record<string, unknown> } }).data.attributes;
  const ruleType = type ?? String(attributes.type);
  if (!RULE_TYPES.includes(ruleType))
    return jsonApiError(400, `Invalid deployment rule: type must be one of ${RULE_TYPES.join(", ")}`);
  if (!isObject(attributes.options))
    return jsonApiError(400, "Invalid deployment rule: options must be an object");
  const problem = optionsProblem(ruleType, attributes.options);
  if (problem !== undefined) return jsonApiError(400, `Invalid deployment rule: ${problem}`);
  if (read.data.attributes.name.trim() === "")
    return jsonApiError(400, "Invalid deployment rule: name must not be empty");
  return {
    name: read.data.attributes.name,
    type: ruleType,
    dry_run: attributes.dry_run === true,
    options: attributes.options,
  };
};

/** Opaque page cursors: the offset of the page's first gate. */
const cursorOf = (offset: number) => Buffer.from(`offset:${offset}`).toString("base64url");
const offsetOf = (cursor: string | undefined): number | undefined => {
  if (cursor === undefined) return 0;
  const m = /^offset:(\d+)$/.exec(Buffer.from(cursor, "base64url").toString("utf8"));
  return m ? Number(m[1]) : undefined;
};

export const deploymentGateRoutes = (gates: Map<string, StoredGate>): Route[] => {
  const notFound = (what: string) => jsonApiError(404, `${what} not found`);
  const now = (ms: number) => new Date(ms).toISOString();
  const ruleOf = (gate: StoredGate, id: string | undefined) => gate.rules.find((r) => r.id === id);
  return [
    {
      method: "POST",
      pattern: /^\/api\/v2\/deployment_gates$/,
      auth: "api+app",
      handle: ({ body, nowMs }) => {
        const read = readModel<v2.CreateDeploymentGateParams>(
          body,
          "CreateDeploymentGateParams",
          "deployment gate",
        );
        if (isReply(read)) return read;
        const { service, env, identifier = "default", dryRun = false } = read.data.attributes;
        if (service.trim() === "" || env.trim() === "")
          return jsonApiError(400, "Invalid deployment gate: service and env must not be empty");
        const same = [...gates.values()].find(
          (g) => g.service === service && g.env === env && g.identifier === identifier,
        );
        if (same !== undefined)
          return jsonApiError(
            400,
            `A deployment gate already exists for service ${service}, env ${env} and identifier ${identifier}`,
          );
        const gate: StoredGate = {
          id: randomUUID(),
          service,
          env,
          identifier,
          dry_run: dryRun,
          created_at: now(nowMs),
          rules: [],
        };
        gates.set(gate.id, gate);
        return modelled({ data: gateData(gate) }, "DeploymentGateResponse");
      },
    },
    {
      method: "GET",
      pattern: /^\/api\/v2\/deployment_gates$/,
      auth: "api+app",
      handle: ({ query }) => {
        const size = query["page[size]"] === undefined ? 50 : Number(query["page[size]"]);
        const offset = offsetOf(query["page[cursor]"]);
        if (!Number.isInteger(size) || size < 1 || size > 1000)
          return jsonApiError(400, "page[size] must be between 1 and 1000");
        if (offset === undefined) return jsonApiError(400, "page[cursor] is not a cursor of this list");
        const all = [...gates.values()];
        const next = offset + size < all.length ? cursorOf(offset + size) : undefined;
        return modelled(
          {
            data: all.slice(offset, offset + size).map(gateData),
            meta: {
              page: {
                ...(query["page[cursor]"] === undefined ? {} : { cursor: query["page[cursor]"] }),
                size,
                ...(next === undefined ? {} : { next_cursor: next }),
              },
            },
          },
          "DeploymentGatesListResponse",
        );
      },
    },
    {
      method: "GET",
      pattern: /^\/api\/v2\/deployment_gates\/([^/]+)$/,
      auth: "api+app",
      handle: ({ params: [id] }) => {
        const gate = gates.get(String(id));
        return gate
          ? modelled({ data: gateData(gate) }, "DeploymentGateResponse")
          : notFound("Deployment gate");
      },
    },
    {
      method: "PUT",
      pattern: /^\/api\/v2\/deployment_gates\/([^/]+)$/,
      auth: "api+app",
      handle: ({ params: [id], body, nowMs }) => {
        const gate = gates.get(String(id));
        if (!gate) return notFound("Deployment gate");
        const read = readModel<v2.UpdateDeploymentGateParams>(
          body,
          "UpdateDeploymentGateParams",
          "deployment gate",
        );
        if (isReply(read)) return read;
        if (read.data.id !== gate.id) return jsonApiError(400, "data.id does not match the gate in the path");
        gate.dry_run = read.data.attributes.dryRun;
        gate.updated_at = now(nowMs);
        return modelled({ data: gateData(gate) }, "DeploymentGateResponse");
      },
    },
    {
      method: "DELETE",
      pattern: /^\/api\/v2\/deployment_gates\/([^/]+)$/,
      auth: "api+app",
      handle: ({ params: [id] }) =>
        gates.delete(String(id)) ? { status: 204 } : notFound("Deployment gate"),
    },
    {
      method: "POST",
      pattern: /^\/api\/v2\/deployment_gates\/([^/]+)\/rules$/,
      auth: "api+app",
      handle: ({ params: [gateId], body, nowMs }) => {
        const gate = gates.get(String(gateId));
        if (!gate) return notFound("Deployment gate");
        const rule = checkedRule(body, "CreateDeploymentRuleParams", undefined);
        if (isReply(rule)) return rule;
        if (gate.rules.some((r) => r.name === rule.name))
          return jsonApiError(400, `A rule named "${rule.name}" already exists in this gate`);
        const stored: StoredRule = { id: randomUUID(), gate_id: gate.id, ...rule, created_at: now(nowMs) };
        gate.rules.push(stored);
        return ruleReply(stored);
      },
    },
    {
      method: "GET",
      pattern: /^\/api\/v2\/deployment_gates\/([^/]+)\/rules$/,
      auth: "api+app",
      handle: ({ params: [gateId] }) => {
        const gate = gates.get(String(gateId));
        if (!gate) return notFound("Deployment gate");
        // Each rule carries its id among its attributes, outside the official model (additionalProperties).
        return modelled(
          {
            data: {
              id: gate.id,
              type: "list_deployment_rules",
              attributes: { rules: gate.rules.map((r) => ({ ...ruleAttributes(r), id: r.id })) },
            },
          },
          "DeploymentGateRulesResponse",
        );
      },
    },
    {
      method: "GET",
      pattern: /^\/api\/v2\/deployment_gates\/([^/]+)\/rules\/([^/]+)$/,
      auth: "api+app",
      handle: ({ params: [gateId, id] }) => {
        const gate = gates.get(String(gateId));
        const rule = gate && ruleOf(gate, id);
        return rule ? ruleReply(rule) : notFound("Deployment rule");
      },
    },
    {
      method: "PUT",
      pattern: /^\/api\/v2\/deployment_gates\/([^/]+)\/rules\/([^/]+)$/,
      auth: "api+app",
      handle: ({ params: [gateId, id], body, nowMs }) => {
        const gate = gates.get(String(gateId));
        const existing = gate && ruleOf(gate, id);
        if (!gate || !existing) return notFound("Deployment rule");
        const rule = checkedRule(body, "UpdateDeploymentRuleParams", existing.type);
        if (isReply(rule)) return rule;
        if (gate.rules.some((r) => r.name === rule.name && r.id !== existing.id))
          return jsonApiError(400, `A rule named "${rule.name}" already exists in this gate`);
        Object.assign(existing, {
          name: rule.name,
          dry_run: rule.dry_run,
          options: rule.options,
          updated_at: now(nowMs),
        });
        return ruleReply(existing);
      },
    },
  ];
};
