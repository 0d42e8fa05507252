import type { Config, ServiceConfig } from "../config/types.js";

// Who a monitor notifies, per service. One multi-alert monitor covers the fleet, so routing happens in its message:
// a `{{#is_exact_match "service.name" ...}}` block per set of recipients (Datadog's conditional message variables)
// names the handles for those services' groups only, and `alerts.notify` is appended for every group.

export interface NotifyRoute {
  /** Service names whose alerts go to `handles` (a service in several envs gets the union of its entries). */
  services: string[];
  handles: string[];
}

/** A service's own recipients: services[].notify plus alerts.notify_by_team for its team. */
export const serviceRecipients = (config: Pick<Config, "alerts">, service: ServiceConfig): string[] => [
  ...new Set([
    ...service.notify,
    ...(service.team === undefined ? [] : (config.alerts.notifyByTeam[service.team] ?? [])),
  ]),
];

/** The per-service routes, one per distinct set of handles, in the order the services are configured. */
export const notifyRoutes = (config: Pick<Config, "alerts" | "services">): NotifyRoute[] => {
  const byService = new Map<string, Set<string>>();
  for (const service of config.services) {
    const handles = byService.get(service.name) ?? new Set<string>();
    for (const handle of serviceRecipients(config, service)) handles.add(handle);
    byService.set(service.name, handles);
  }
  const routes = new Map<string, NotifyRoute>();
  for (const [name, handles] of byService) {
    if (handles.size === 0) continue;
    const list = [...handles].sort();
    const key = list.join(" ");
    const route = routes.get(key);
    if (route === undefined) routes.set(key, { services: [name], handles: list });
    else route.services.push(name);
  }
  return [...routes.values()];
};

/** The message lines that notify: one conditional block per route, then the handles for every group. */
export const notifyLines = (routes: readonly NotifyRoute[], everyone: readonly string[]): string[] => {
  const lines = routes.map(
    (r) =>
      `{{#is_exact_match "service.name" ${r.services.map((s) => JSON.stringify(s)).join(" ")}}}${r.handles.join(" ")}{{/is_exact_match}}`,
  );
  if (everyone.length > 0) lines.push(everyone.join(" "));
  return lines.length === 0 ? [] : ["", ...lines];
};

/**
 * Warnings for monitors that would notify nobody: an alert that reaches no one is silence that looks like
 * health. `provision` prints them; `check` can too.
 */
export const unnotifiedWarnings = (config: Pick<Config, "alerts" | "services">): string[] => {
  if (config.alerts.notify.length > 0) return [];
  if (config.services.length === 0)
    return [
      "the dogdriver monitors notify nobody: set alerts.notify (or services[].notify, alerts.notify_by_team)",
    ];
  const silent = config.services.filter((s) => serviceRecipients(config, s).length === 0);
  return silent.map((s) => {
    const team =
      s.team === undefined ? "it has no team" : `alerts.notify_by_team has no entry for its team "${s.team}"`;
    return `service "${s.name}" (env "${s.env}"): the dogdriver monitors notify nobody when it alerts (no alerts.notify, no services[].notify, and ${team})`;
  });
};
