import { errorReply, type Reply } from "./http-io.js";
import { monitorProblem } from "./monitor-rules.js";
import type { Route } from "./route.js";

// /api/v1/monitor: create, get, update (PUT: the given fields replace the stored ones), delete, list (filters
// `monitor_tags` (all must match), `name` (substring), `page`/`page_size`), search (`tag:"k:v"`, `title:`, `type:`,
// free text) and validate. Every stored monitor is re-checked with monitorProblem.

export type StoredMonitor = Record<string, unknown> & {
  id: number;
  name: string;
  tags: string[];
  type: string;
};

const READ_ONLY = [
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

const searchTerms = (query: string): string[] => query.match(/(?:[^\s"]+|"[^"]*")+/g) ?? [];

const matchesSearch = (monitor: StoredMonitor, query: string): boolean =>
  searchTerms(query).every((term) => {
    const colon = term.indexOf(":");
    const key = colon === -1 ? "" : term.slice(0, colon);
    const value = (colon === -1 ? term : term.slice(colon + 1)).replace(/^"|"$/g, "").toLowerCase();
    if (key === "tag") return monitor.tags.some((t) => t.toLowerCase() === value);
    if (key === "title") return monitor.name.toLowerCase().includes(value);
    if (key === "type")
      return value === "metric" ? /metric alert|query alert/.test(monitor.type) : monitor.type === value;
    if (key === "status") return value === "no data";
    if (key === "id") return String(monitor.id) === value;
    return monitor.name.toLowerCase().includes(term.replace(/^"|"$/g, "").toLowerCase());
  });

export const monitorRoutes = (monitors: Map<number, StoredMonitor>): Route[] => {
  let nextId = 1_000_000;
  const notFound = (): Reply => errorReply(404, "Monitor not found");
  const save = (raw: Record<string, unknown>, id: number, created: string, nowMs: number): StoredMonitor => {
    const body = Object.fromEntries(Object.entries(raw).filter(([k]) => !READ_ONLY.includes(k)));
    const monitor = {
      name: "",
      message: "",
      tags: [],
      options: {},
      priority: null,
      restricted_roles: null,
      ...body,
      id,
      created,
      modified: new Date(nowMs).toISOString(),
      creator: { email: "emulator@example.com", handle: "emulator@example.com", name: "Emulator" },
      overall_state: "No Data",
      multi: / by \{/.test(String(body.query)),
      deleted: null,
      org_id: 1,
    } as unknown as StoredMonitor;
    monitors.set(id, monitor);
    return monitor;
  };
  const validate = (body: unknown): Reply => {
    const problem = monitorProblem(body);
    return problem ? errorReply(400, problem) : { status: 200, body: {} };
  };
  const byId = (raw: string | undefined) => monitors.get(Number(raw));
  return [
    {
      method: "POST",
      pattern: /^\/api\/v1\/monitor\/validate$/,
      auth: "api+app",
      handle: ({ body }) => validate(body),
    },
    {
      method: "POST",
      pattern: /^\/api\/v1\/monitor\/(\d+)\/validate$/,
      auth: "api+app",
      handle: ({ params: [id], body }) => (byId(id) ? validate(body) : notFound()),
    },
    {
      method: "GET",
      pattern: /^\/api\/v1\/monitor\/search$/,
      auth: "api+app",
      handle: ({ query }) => {
        const perPage = Number(query.per_page ?? 30);
        const page = Number(query.page ?? 0);
        const found = [...monitors.values()].filter((m) => matchesSearch(m, query.query ?? ""));
        return {
          status: 200,
          body: {
            counts: { muted: [], status: [], tag: [], type: [] },
            metadata: {
              page,
              page_count: Math.ceil(found.length / perPage),
              per_page: perPage,
              total_count: found.length,
            },
            monitors: found.slice(page * perPage, (page + 1) * perPage).map((m) => ({
              id: m.id,
              name: m.name,
              query: m.query,
              tags: m.tags,
              type: m.type,
              status: "No Data",
              classification: "metric",
              creator: m.creator,
              last_triggered_ts: null,
              metrics: [],
              notifications: [],
              org_id: 1,
              overall_state_modified: null,
              scopes: [],
            })),
          },
        };
      },
    },
    {
      method: "GET",
      pattern: /^\/api\/v1\/monitor$/,
      auth: "api+app",
      handle: ({ query }) => {
        const wanted = (query.monitor_tags ?? "").split(",").filter((t) => t !== "");
        const name = (query.name ?? "").toLowerCase();
        let found = [...monitors.values()].filter(
          (m) => wanted.every((t) => m.tags.includes(t)) && m.name.toLowerCase().includes(name),
        );
        if (query.page !== undefined) {
          const size = Number(query.page_size ?? 100);
          found = found.slice(Number(query.page) * size, (Number(query.page) + 1) * size);
        }
        return { status: 200, body: found };
      },
    },
    {
      method: "POST",
      pattern: /^\/api\/v1\/monitor$/,
      auth: "api+app",
      handle: ({ body, nowMs }) => {
        const problem = monitorProblem(body);
        if (problem) return errorReply(400, problem);
        nextId += 1;
        return {
          status: 200,
          body: save(body as Record<string, unknown>, nextId, new Date(nowMs).toISOString(), nowMs),
        };
      },
    },
    {
      method: "GET",
      pattern: /^\/api\/v1\/monitor\/(\d+)$/,
      auth: "api+app",
      handle: ({ params: [id] }) => {
        const found = byId(id);
        return found ? { status: 200, body: found } : notFound();
      },
    },
    {
      method: "PUT",
      pattern: /^\/api\/v1\/monitor\/(\d+)$/,
      auth: "api+app",
      handle: ({ params: [id], body, nowMs }) => {
        const existing = byId(id);
        if (!existing) return notFound();
        if (body === null || typeof body !== "object")
          return errorReply(400, "Invalid monitor: body must be an object");
        const merged = { ...existing, ...(body as Record<string, unknown>) };
        const problem = monitorProblem(
          Object.fromEntries(Object.entries(merged).filter(([k]) => !READ_ONLY.includes(k))),
        );
        if (problem) return errorReply(400, problem);
        return { status: 200, body: save(merged, existing.id, String(existing.created), nowMs) };
      },
    },
    {
      method: "DELETE",
      pattern: /^\/api\/v1\/monitor\/(\d+)$/,
      auth: "api+app",
      handle: ({ params: [id] }) => {
        const existing = byId(id);
        if (!existing) return notFound();
        monitors.delete(existing.id);
        return { status: 200, body: { deleted_monitor_id: existing.id } };
      },
    },
  ];
};
