import { isValidName, NAME_RULE } from "../config/names.js";
import { DogdriverError } from "../errors.js";
import type { Logger } from "../state/deps.js";
import type { RunRecord } from "../store/run-record.js";
import type { RunFilter, RunStore } from "../store/types.js";

// The runs `report` looks at: every stored run, or those of the named services ("name" or "name/env").

/** Parses SERVICE arguments into store filters; none means everything. */
export const serviceFilters = (services: readonly string[]): RunFilter[] =>
  services.map((arg) => {
    const [service, env, extra] = arg.split("/");
    const bad = (what: string, value: string | undefined) =>
      new DogdriverError(
        "usage",
        `SERVICE "${arg}": expected NAME or NAME/ENV, ${what} "${value ?? ""}" is not ${NAME_RULE}`,
      );
    if (extra !== undefined || service === undefined || !isValidName(service)) throw bad("name", service);
    if (env !== undefined && !isValidName(env)) throw bad("env", env);
    return env === undefined ? { service } : { service, env };
  });

export interface ReadRuns {
  runs: RunRecord[];
  invalid: number;
}

/**
 * The fields of a record that report reads (grouping, exclusions, metrics, trends); the rest (runner block,
 * failure messages, notes, team) would be held for nothing: at 100,000 runs that is hundreds of MB, and the
 * garbage collector's time with it.
 */
const slim = (run: RunRecord): RunRecord =>
  ({
    service: run.service,
    env: run.env,
    test: run.test,
    version: run.version,
    source: run.source,
    started_at: run.started_at,
    state: run.state,
    client: {
      requests: run.client.requests,
      errors: run.client.errors,
      rps: run.client.rps,
      latency_ms: run.client.latency_ms,
      ...(run.client.error_rate === undefined ? {} : { error_rate: run.client.error_rate }),
    },
    ...(run.server === undefined ? {} : { server: run.server }),
    ...(run.flags === undefined ? {} : { flags: run.flags }),
  }) as RunRecord;

export const readRuns = async (
  store: RunStore,
  filters: readonly RunFilter[],
  log: Pick<Logger, "warn">,
): Promise<ReadRuns> => {
  const runs: RunRecord[] = [];
  let invalid = 0;
  const onInvalid = (key: string, problem: string) => {
    invalid++;
    // One line per bad record is enough to find it; hundreds would bury the report.
    if (invalid <= 5) log.warn(`${key}: skipped (${problem})`);
  };
  for (const filter of filters.length === 0 ? [undefined] : filters) {
    for await (const run of store.listRuns(filter, { onInvalid })) runs.push(slim(run));
  }
  if (invalid > 5) log.warn(`${invalid} unreadable records skipped in all`);
  return { runs, invalid };
};
