import type { DatadogApi } from "../datadog/types.js";
import { dashboardUrl } from "../provision/app-url.js";
import { FLEET_DASHBOARD_KEY, readSiteState } from "../provision/provision-state.js";
import type { Logger } from "../state/deps.js";
import type { RunStore } from "../store/types.js";

/** The fleet dashboard `provision` recorded in the store for this Datadog site, for the verdict events' link. */
export const verdictLinks = async (
  store: RunStore,
  api: DatadogApi | undefined,
  log: Logger,
): Promise<{ dashboardUrl?: string }> => {
  if (api === undefined) return {};
  const state = await readSiteState(store, api.site, log);
  const id = state.dashboards[FLEET_DASHBOARD_KEY];
  return id === undefined ? {} : { dashboardUrl: dashboardUrl(api.site, id) };
};
