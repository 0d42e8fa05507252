import type { Logger } from "../state/deps.js";
import { type RunStore, StoreConflictError, unchangedSince } from "../store/types.js";

// What provision created, kept in the store (_dogdriver/provision.json) so that every machine provisioning from
// the same store finds the same dashboard by id, even after someone renamed it. Ids are per Datadog site. The
// marker in the dashboard's description is the fallback when this file is missing or points to nothing.

export const STATE_PATH = "provision.json";
/** The fleet dashboard's key in `dashboards` (a per-service one is "trend:<service>"). */
export const FLEET_DASHBOARD_KEY = "trend";
const SCHEMA = "dogdriver.provision.v1";

export interface SiteState {
  /** Dashboard key ("trend", "trend:<service>") -> Datadog dashboard id. */
  dashboards: Record<string, string>;
  /** Monitor key -> Datadog monitor id (informative: monitors are found by their identity tag). */
  monitors: Record<string, number>;
}

interface StateFile {
  schema: typeof SCHEMA;
  sites: Record<string, SiteState>;
}

export type StateStore = Pick<RunStore, "readBlob" | "writeBlob" | "url">;

const empty = (): SiteState => ({ dashboards: {}, monitors: {} });

const parse = (body: string): StateFile | undefined => {
  try {
    const json = JSON.parse(body) as StateFile;
    return json?.schema === SCHEMA && typeof json.sites === "object" ? json : undefined;
  } catch {
    return undefined;
  }
};

/** The state for `site`; an unreadable store or file is a warning, not a failure (the marker still works). */
export const readSiteState = async (store: StateStore, site: string, log: Logger): Promise<SiteState> => {
  try {
    const blob = await store.readBlob(STATE_PATH);
    if (blob === undefined) return empty();
    const file = parse(blob.body);
    if (file === undefined) {
      log.warn(`${store.url}/_dogdriver/${STATE_PATH}: not a provision state file; finding things by marker`);
      return empty();
    }
    return { ...empty(), ...file.sites[site] };
  } catch (error) {
    log.warn(`cannot read the provision state from ${store.url}: ${(error as Error).message}`);
    return empty();
  }
};

const merged = (file: StateFile | undefined, site: string, state: SiteState): string => {
  const sites = { ...file?.sites };
  const before = sites[site] ?? empty();
  sites[site] = {
    dashboards: { ...before.dashboards, ...state.dashboards },
    monitors: state.monitors,
  };
  return `${JSON.stringify({ schema: SCHEMA, sites } satisfies StateFile, null, 2)}\n`;
};

/** Records the ids; a concurrent writer's other entries are kept (one retry on a lost conditional write). */
export const writeSiteState = async (
  store: StateStore,
  site: string,
  state: SiteState,
  log: Logger,
): Promise<void> => {
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      const blob = await store.readBlob(STATE_PATH);
      const body = merged(blob === undefined ? undefined : parse(blob.body), site, state);
      await store.writeBlob(STATE_PATH, body, unchangedSince(blob?.etag));
      return;
    } catch (error) {
      if (error instanceof StoreConflictError && attempt === 0) continue;
      log.warn(
        `cannot record the provision state in ${store.url} (${(error as Error).message}); the next provision finds the dashboard by its marker`,
      );
      return;
    }
  }
};
