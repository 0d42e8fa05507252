import type { JsonObject } from "../dashboards/types.js";

// Fields Datadog sets itself and refuses or ignores in a PUT (DATADOG-NOTES §5; the list Terraform's
// datadog_dashboard_json strips). Removed before an update and before showing what Datadog holds.

const DASHBOARD_READ_ONLY = ["id", "url", "author_handle", "author_name", "created_at", "modified_at"];
const MONITOR_READ_ONLY = [
  "id",
  "created",
  "modified",
  "creator",
  "overall_state",
  "deleted",
  "org_id",
  "multi",
  "matching_downtimes",
  "state",
];

const without = (obj: JsonObject, keys: string[]): JsonObject =>
  Object.fromEntries(Object.entries(obj).filter(([k]) => !keys.includes(k)));

// Widget ids are assigned by Datadog, inside groups too.
const withoutWidgetIds = (widgets: unknown): JsonObject[] =>
  (Array.isArray(widgets) ? widgets : []).map((widget: JsonObject) => {
    const definition = widget.definition as JsonObject | undefined;
    const inner =
      definition?.type === "group"
        ? { ...definition, widgets: withoutWidgetIds(definition.widgets) }
        : definition;
    return without({ ...widget, ...(inner === undefined ? {} : { definition: inner }) }, ["id"]);
  });

export const dashboardWithoutReadOnly = (dashboard: JsonObject): JsonObject => ({
  ...without(dashboard, DASHBOARD_READ_ONLY),
  ...(dashboard.widgets === undefined ? {} : { widgets: withoutWidgetIds(dashboard.widgets) }),
});

export const monitorWithoutReadOnly = (monitor: JsonObject): JsonObject =>
  without(monitor, MONITOR_READ_ONLY);
