import { v1 } from "@datadog/datadog-api-client";
import { errorReply, type Reply } from "./http-io.js";
import { hasUnparsed, modelError } from "./model-check.js";
import type { Route } from "./route.js";
import { widgetProblem } from "./widget-check.js";

// /api/v1/dashboard: create (POST), get, update (PUT, a full replace), delete, list. Bodies are checked with the
// official models, widgets one by one so the 400 names the widget like Datadog does.

export type StoredDashboard = Record<string, unknown> & { id: string; title: string };

const READ_ONLY = ["id", "url", "author_handle", "author_name", "created_at", "modified_at"];

const dashboardProblem = (raw: unknown): string | undefined => {
  let dashboard: v1.Dashboard;
  try {
    dashboard = v1.ObjectSerializer.deserialize(raw, "Dashboard", "") as v1.Dashboard;
  } catch (error) {
    return `Invalid dashboard: ${modelError(error)}`;
  }
  const json = raw as { layout_type?: unknown; reflow_type?: unknown; widgets?: unknown[] };
  if (json.layout_type !== "ordered" && json.layout_type !== "free") {
    return `Invalid dashboard: layout_type must be 'ordered' or 'free', got '${String(json.layout_type)}'`;
  }
  for (const [i, widget] of (json.widgets ?? []).entries()) {
    const problem = widgetProblem(widget, i, json.layout_type, json.reflow_type as string | undefined);
    if (problem) return problem;
  }
  if (json.layout_type === "free" && json.reflow_type !== undefined) {
    return "Invalid dashboard: reflow_type is only allowed with the ordered layout";
  }
  return hasUnparsed(dashboard) ? "Invalid dashboard: a value is not one of the allowed values" : undefined;
};

// Dashboard ids look like "abc-def-ghi".
const dashboardId = (n: number): string => {
  const s = (n * 7919 + 104729).toString(36).padStart(9, "a").slice(-9);
  return `${s.slice(0, 3)}-${s.slice(3, 6)}-${s.slice(6, 9)}`;
};

const slug = (title: string) =>
  title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "");

// `count` and `start` page the list, as listDashboardsWithPagination() expects.
const page = <T>(items: T[], query: Record<string, string>): T[] => {
  const start = Number(query.start ?? 0);
  return query.count === undefined ? items.slice(start) : items.slice(start, start + Number(query.count));
};

export const dashboardRoutes = (dashboards: Map<string, StoredDashboard>): Route[] => {
  let created = 0;
  let widgetIds = 1000;
  const withWidgetIds = (widgets: unknown): unknown =>
    Array.isArray(widgets)
      ? widgets.map((w: Record<string, unknown>) => {
          const definition = w.definition as Record<string, unknown> | undefined;
          const inner =
            definition?.type === "group"
              ? { ...definition, widgets: withWidgetIds(definition.widgets) }
              : definition;
          return { ...w, definition: inner, id: typeof w.id === "number" ? w.id : widgetIds++ };
        })
      : widgets;
  const save = (
    raw: Record<string, unknown>,
    id: string,
    createdAt: string,
    nowMs: number,
  ): StoredDashboard => {
    const body = Object.fromEntries(Object.entries(raw).filter(([k]) => !READ_ONLY.includes(k)));
    const dashboard = {
      ...body,
      id,
      widgets: withWidgetIds(body.widgets),
      url: `/dashboard/${id}/${slug(String(body.title))}`,
      author_handle: "emulator@example.com",
      author_name: "Emulator",
      created_at: createdAt,
      modified_at: new Date(nowMs).toISOString(),
    } as unknown as StoredDashboard;
    dashboards.set(id, dashboard);
    return dashboard;
  };
  const notFound = (id: string): Reply => errorReply(404, `Dashboard with ID ${id} not found`);
  return [
    {
      method: "GET",
      pattern: /^\/api\/v1\/dashboard$/,
      auth: "api+app",
      handle: ({ query }) => ({
        status: 200,
        body: {
          dashboards: page([...dashboards.values()], query).map((d) => ({
            id: d.id,
            title: d.title,
            description: d.description ?? null,
            layout_type: d.layout_type,
            url: d.url,
            author_handle: d.author_handle,
            created_at: d.created_at,
            modified_at: d.modified_at,
            is_read_only: false,
          })),
        },
      }),
    },
    {
      method: "POST",
      pattern: /^\/api\/v1\/dashboard$/,
      auth: "api+app",
      handle: ({ body, nowMs }) => {
        const problem = dashboardProblem(body);
        if (problem) return errorReply(400, problem);
        created += 1;
        const now = new Date(nowMs).toISOString();
        return { status: 200, body: save(body as Record<string, unknown>, dashboardId(created), now, nowMs) };
      },
    },
    {
      method: "GET",
      pattern: /^\/api\/v1\/dashboard\/([^/]+)$/,
      auth: "api+app",
      handle: ({ params: [id = ""] }) => {
        const found = dashboards.get(id);
        return found ? { status: 200, body: found } : notFound(id);
      },
    },
    {
      method: "PUT",
      pattern: /^\/api\/v1\/dashboard\/([^/]+)$/,
      auth: "api+app",
      handle: ({ params: [id = ""], body, nowMs }) => {
        const existing = dashboards.get(id);
        if (!existing) return notFound(id);
        const problem = dashboardProblem(body);
        if (problem) return errorReply(400, problem);
        return {
          status: 200,
          body: save(body as Record<string, unknown>, id, String(existing.created_at), nowMs),
        };
      },
    },
    {
      method: "DELETE",
      pattern: /^\/api\/v1\/dashboard\/([^/]+)$/,
      auth: "api+app",
      handle: ({ params: [id = ""] }) => {
        if (!dashboards.delete(id)) return notFound(id);
        return { status: 200, body: { deleted_dashboard_id: id } };
      },
    },
  ];
};
