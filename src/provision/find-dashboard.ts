import type { JsonObject } from "../dashboards/types.js";
import { DatadogError } from "../datadog/datadog-error.js";
import type { DatadogApi } from "../datadog/types.js";
import type { Logger } from "../state/deps.js";
import { toJson } from "./wire.js";

export interface FoundDashboard {
  id: string;
  json: JsonObject;
  foundBy: "stored id" | "marker";
}

const isNotFound = (error: unknown) => error instanceof DatadogError && error.status === 404;

/**
 * The dashboard provision manages: by the stored id first, then by the marker in its description (Datadog has
 * no title filter and titles are not unique, so the list is searched). Several with the marker: the one with
 * the expected title, else the oldest id, with a warning.
 */
export const findDashboard = async (
  api: DatadogApi,
  wanted: { storedId?: string; marker: string; title: string },
  log: Logger,
): Promise<FoundDashboard | undefined> => {
  if (wanted.storedId !== undefined) {
    try {
      const json = toJson(await api.getDashboard(wanted.storedId), "Dashboard");
      return { id: wanted.storedId, json, foundBy: "stored id" };
    } catch (error) {
      if (!isNotFound(error)) throw error;
      log.warn(
        `dashboard ${wanted.storedId} (stored by an earlier provision) no longer exists; looking for ${wanted.marker}`,
      );
    }
  }
  const marked = (await api.listDashboards())
    .flatMap((d) =>
      d.id !== undefined && d.description?.includes(wanted.marker) ? [{ ...d, id: d.id }] : [],
    )
    .sort(
      (a, b) =>
        Number(b.title === wanted.title) - Number(a.title === wanted.title) || a.id.localeCompare(b.id),
    );
  const [first] = marked;
  if (first === undefined) return undefined;
  if (marked.length > 1)
    log.warn(
      `${marked.length} dashboards carry ${wanted.marker} (${marked.map((d) => d.id).join(", ")}); managing ${first.id}`,
    );
  return { id: first.id, json: toJson(await api.getDashboard(first.id), "Dashboard"), foundBy: "marker" };
};
