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
  return blocks.length === 0 ? "" : `\n${blocks.join("\n\n")}\n`;
};

/** `provision --json`: the plan (with the bodies), what it changed and the dashboard's id once it exists. */
export const planJson = (
  plan: Plan,
  result: { dryRun: boolean; changes: number; dashboardId?: string; monitorIds?: Record<string, number> },
): string =>
  `${JSON.stringify({
    dry_run: result.dryRun,
    site: plan.site,
    compared: plan.compared,
    changes: result.changes,
    dashboard: { ...plan.dashboard, ...(result.dashboardId === undefined ? {} : { id: result.dashboardId }) },
    monitors: plan.monitors.map((m) => ({ ...m, id: m.id ?? result.monitorIds?.[m.key] })),
    unwanted: plan.unwanted,
  })}\n`;
