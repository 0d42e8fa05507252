import { gateBodies } from "./gates-plan.js";
import { changeCount, type Plan } from "./types.js";

// The words `provision --dry-run` prints on stdout: the differences first, then the exact bodies it would send.

const INDENT = "    ";

const details = (changes: string[]): string[] => changes.map((c) => `${INDENT}~ ${c}`);

/** The plan as text: one block per resource, "No changes." when everything is as wanted. */
export const renderPlan = (plan: Plan): string => {
  const lines: string[] = [];
  if (!plan.compared) {
    lines.push(
      "No Datadog keys (DD_API_KEY, DD_APP_KEY): what exists in Datadog was not read; everything is shown as created.",
    );
  }
  const d = plan.dashboard;
  const where =
    d.id === undefined ? "" : ` ${d.id}${d.foundBy === undefined ? "" : ` (found by ${d.foundBy})`}`;
  lines.push(`dashboard "${d.body.title}":${where} ${d.action}`, ...details(d.changes));
  for (const m of plan.monitors) {
    lines.push(
      `monitor ${m.key} "${String(m.body.name)}":${m.id === undefined ? "" : ` ${m.id}`} ${m.action}`,
      ...details(m.changes),
    );
  }
  for (const u of plan.unwanted) {
    lines.push(
      u.action === "delete"
        ? `monitor ${u.id} "${u.name}": delete (managed by dogdriver, no longer in the configuration)`
        : `monitor ${u.id} "${u.name}": no longer in the configuration; --prune would delete it`,
    );
  }
  for (const g of plan.gates) {
    const gate = `deployment gate ${g.key} (identifier ${g.identifier})`;
    lines.push(`${gate}:${g.gate.id === undefined ? "" : ` ${g.gate.id}`} ${g.gate.action}`);
    lines.push(
      `${gate} rule "${String(g.rule.body.name)}":${g.rule.id === undefined ? "" : ` ${g.rule.id}`} ${g.rule.action}`,
      ...details(g.rule.changes),
    );
  }
  const count = changeCount(plan);
  lines.push(count === 0 ? "No changes." : `${count} change(s).`);
  return `${lines.join("\n")}\n`;
};

/** The request each change would make, with its body exactly as it would be sent. */
export const renderPayloads = (plan: Plan): string => {
  const blocks: string[] = [];
  const d = plan.dashboard;
  if (d.action === "create") blocks.push(`POST /api/v1/dashboard\n${JSON.stringify(d.body, null, 2)}`);
  if (d.action === "update") blocks.push(`PUT /api/v1/dashboard/${d.id}\n${JSON.stringify(d.body, null, 2)}`);
  for (const m of plan.monitors) {
    if (m.action === "create") blocks.push(`POST /api/v1/monitor\n${JSON.stringify(m.body, null, 2)}`);
    if (m.action === "update") blocks.push(`PUT /api/v1/monitor/${m.id}\n${JSON.stringify(m.body, null, 2)}`);
  }
  for (const u of plan.unwanted) if (u.action === "delete") blocks.push(`DELETE /api/v1/monitor/${u.id}`);
  for (const g of plan.gates) {
    const bodies = gateBodies(g);
    const gates = "/api/v2/deployment_gates";
    if (g.gate.action === "create") blocks.push(`POST ${gates}\n${JSON.stringify(bodies.gate, null, 2)}`);
    // The new gate's id is Datadog's to give.
    const gateId = g.gate.id ?? `<id of the new gate ${g.key}>`;
    if (g.rule.action === "create")
      blocks.push(`POST ${gates}/${gateId}/rules\n${JSON.stringify(bodies.createRule, null, 2)}`);
    if (g.rule.action === "update")
      blocks.push(`PUT ${gates}/${gateId}/rules/${g.rule.id}\n${JSON.stringify(bodies.updateRule, null, 2)}`);
  }
  return blocks.length === 0 ? "" : `\n${blocks.join("\n\n")}\n`;
};

/** `provision --json`: the plan (with the bodies), what it changed and the dashboard's and gates' ids once they exist. */
export const planJson = (
  plan: Plan,
  result: {
    dryRun: boolean;
    changes: number;
    dashboardId?: string;
    monitorIds?: Record<string, number>;
    gateIds?: Record<string, string>;
  },
): string =>
  `${JSON.stringify({
    dry_run: result.dryRun,
    site: plan.site,
    compared: plan.compared,
    changes: result.changes,
    dashboard: { ...plan.dashboard, ...(result.dashboardId === undefined ? {} : { id: result.dashboardId }) },
    monitors: plan.monitors.map((m) => ({ ...m, id: m.id ?? result.monitorIds?.[m.key] })),
    unwanted: plan.unwanted,
    deployment_gates: plan.gates.map((g) => ({
      ...g,
      gate: { ...g.gate, id: g.gate.id ?? result.gateIds?.[g.key] },
    })),
  })}\n`;
