import type { RunRecord } from "../store/run-record.js";
import type { ListRunsOptions, RunFilter, RunStore } from "../store/types.js";
import { serviceEnvOrder } from "../verdicts/release-history.js";

// The stored runs one service/env at a time, in the store's key order: the store lists runs by key
// (runs/<service>/<env>/...), so a service/env's runs arrive together and report never holds more than one's.

/**
 * The filters in key order, each listed once: a service's filter covers its service/env filters, and a filter
 * given twice is read once (the runs would otherwise be counted twice).
 */
export const readOrder = (filters: readonly RunFilter[]): (RunFilter | undefined)[] => {
  if (filters.length === 0) return [undefined];
  const wholeServices = new Set(filters.filter((f) => f.env === undefined).map((f) => f.service));
  const seen = new Set<string>();
  return filters
    .filter((f) => f.env === undefined || !wholeServices.has(f.service))
    .filter((f) => {
      const key = `${f.service}/${f.env ?? ""}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .sort((a, b) =>
      serviceEnvOrder(
        { service: a.service ?? "", env: a.env ?? "" },
        { service: b.service ?? "", env: b.env ?? "" },
      ),
    );
};

/** Every stored run the filters select, one service/env's runs at a time. */
export async function* serviceEnvGroups(
  store: RunStore,
  filters: readonly RunFilter[],
  options: ListRunsOptions,
): AsyncGenerator<RunRecord[]> {
  let group: RunRecord[] = [];
  for (const filter of readOrder(filters))
    for await (const run of store.listRuns(filter, options)) {
      const first = group[0];
      if (first !== undefined && (first.service !== run.service || first.env !== run.env)) {
        yield group;
        group = [];
      }
      group.push(run);
    }
  if (group.length > 0) yield group;
}
