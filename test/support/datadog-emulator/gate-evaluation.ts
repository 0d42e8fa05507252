import { randomUUID } from "node:crypto";
import type { v2 } from "@datadog/datadog-api-client";
import type { StoredGate, StoredRule } from "./deployment-gates-routes.js";
import type { GroupState } from "./monitor-eval.js";
import type { StoredMonitor } from "./monitors-routes.js";
import type { Route } from "./route.js";
import { isReply, jsonApiError, modelled, readModel } from "./v2-models.js";

// A gate evaluation (POST /api/v2/deployments/gates/evaluation, then GET .../evaluation/{id}), as the Deployment
// Gates docs describe a monitor rule: the monitors its query selects are evaluated, and the rule fails when no
// monitor matches, more than 300 do, a selected group is in Alert, or no group matches (unless
// fail_on_no_groups_found is false). `group:"k:v"` terms keep only the groups carrying that tag. Unlike Datadog,
// the emulator answers at once: the monitors are evaluated from the stored points at the request's time and,
// for a rule with a duration, at each minute of it (the points already stored standing for the future ones).
// Understood query terms: `tag:"k:v"` and bare `k:v` (the monitor's own tags) and `group:"k:v"`; anything else
// (OR, NOT, parentheses, free text) is an emulator limitation, answered with a 500 that says so. A dry-run rule
// does not count; a dry-run gate always passes, its rules still showing what they found.

export interface EvaluationContext {
  gates: Map<string, StoredGate>;
  monitors: () => StoredMonitor[];
  /** A monitor's group states after Datadog would have evaluated it at each of `atMs`. */
  groupStates: (monitor: StoredMonitor, atMs: number[]) => Map<string, GroupState>;
}

interface RuleResult {
  name: string;
  status: "pass" | "fail";
  reason?: string;
  dry_run: boolean;
}

const MAX_MONITORS = 300;
const MINUTE_MS = 60_000;
// Enough history for a triggered group without data to resolve through timeout_h (at most 24 h).
const HISTORY_MS = 24 * 3_600_000;
const STEP_MS = 5 * MINUTE_MS;

class UnsupportedQuery extends Error {}

interface Selection {
  monitorTags: string[];
  groupTags: string[];
}

const selection = (query: string): Selection => {
  const found: Selection = { monitorTags: [], groupTags: [] };
  for (const term of query.match(/(?:[^\s"]+|"[^"]*")+/g) ?? []) {
    const m = /^(?:(tag|group):)?"?([a-z0-9_.\-/]+:[^"\s]+)"?$/i.exec(term);
    if (m === null || /^(AND|OR|NOT)$/i.test(term))
      throw new UnsupportedQuery(`the emulator does not evaluate the monitor query term ${term}`);
    (m[1] === "group" ? found.groupTags : found.monitorTags).push((m[2] ?? "").toLowerCase());
  }
  return found;
};

const evaluateRule = (rule: StoredRule, atMs: number, context: EvaluationContext): RuleResult => {
  const result = (status: RuleResult["status"], reason?: string): RuleResult => ({
    name: rule.name,
    status,
    dry_run: rule.dry_run,
    ...(reason === undefined ? {} : { reason }),
  });
  if (rule.type !== "monitor")
    throw new UnsupportedQuery(`the emulator does not evaluate ${rule.type} rules`);
  const query = String(rule.options.query ?? "");
  const { monitorTags, groupTags } = selection(query);
  const monitors = context.monitors().filter((m) => monitorTags.every((t) => m.tags.includes(t)));
  if (monitors.length === 0) return result("fail", `No monitors match the query ${query}`);
  if (monitors.length > MAX_MONITORS) return result("fail", `More than ${MAX_MONITORS} monitors match`);
  const durationMs = Number(rule.options.duration ?? 0) * 1000;
  const times: number[] = [];
  for (let t = atMs - HISTORY_MS; t < atMs; t += STEP_MS) times.push(t);
  for (let t = atMs; t <= atMs + durationMs; t += MINUTE_MS) times.push(t);
  const groups: { monitor: StoredMonitor; group: string; state: GroupState }[] = [];
  for (const monitor of monitors)
    for (const [group, state] of context.groupStates(monitor, times))
      if (groupTags.every((t) => group.split(",").includes(t))) groups.push({ monitor, group, state });
  const alerting = groups.filter((g) => g.state === "Alert");
  if (alerting.length > 0)
    return result(
      "fail",
      `Monitor ${alerting[0]?.monitor.id} is in ALERT for ${alerting.map((g) => g.group).join("; ")}`,
    );
  if (groups.length === 0 && rule.options.fail_on_no_groups_found !== false)
    return result("fail", "No monitor groups match the query");
  return result("pass");
};

export const gateEvaluationRoutes = (context: EvaluationContext): Route[] => {
  const results = new Map<string, { gate: StoredGate; rules: RuleResult[] }>();
  return [
    {
      method: "POST",
      pattern: /^\/api\/v2\/deployments\/gates\/evaluation$/,
      auth: "api+app",
      handle: ({ body, nowMs }) => {
        const read = readModel<v2.DeploymentGatesEvaluationRequest>(
          body,
          "DeploymentGatesEvaluationRequest",
          "evaluation request",
        );
        if (isReply(read)) return read;
        const { service, env, identifier = "default" } = read.data.attributes;
        const gate = [...context.gates.values()].find(
          (g) => g.service === service && g.env === env && g.identifier === identifier,
        );
        if (gate === undefined)
          return jsonApiError(
            404,
            `No deployment gate for service ${service}, env ${env}, identifier ${identifier}`,
          );
        let rules: RuleResult[];
        try {
          rules = gate.rules.map((rule) => evaluateRule(rule, nowMs, context));
        } catch (error) {
          if (!(error instanceof UnsupportedQuery)) throw error;
          return jsonApiError(500, `Emulator limitation: ${error.message}`);
        }
        const id = randomUUID();
        results.set(id, { gate, rules });
        return modelled(
          {
            data: { id, type: "deployment_gates_evaluation_response", attributes: { evaluation_id: id } },
          },
          "DeploymentGatesEvaluationResponse",
          202,
        );
      },
    },
    {
      method: "GET",
      pattern: /^\/api\/v2\/deployments\/gates\/evaluation\/([^/]+)$/,
      auth: "api+app",
      handle: ({ params: [id] }) => {
        const found = results.get(String(id));
        if (found === undefined) return jsonApiError(404, "Evaluation not found");
        const failed = found.rules.some((r) => r.status === "fail" && !r.dry_run);
        return modelled(
          {
            data: {
              id,
              type: "deployment_gates_evaluation_result_response",
              attributes: {
                dry_run: found.gate.dry_run,
                evaluation_id: id,
                evaluation_url: `https://app.datadoghq.com/ci/deployment-gates/evaluations?index=cdgates&query=evaluation_id:${id}`,
                gate_id: found.gate.id,
                gate_status: failed && !found.gate.dry_run ? "fail" : "pass",
                rules: found.rules,
              },
            },
          },
          "DeploymentGatesEvaluationResultResponse",
        );
      },
    },
  ];
};
