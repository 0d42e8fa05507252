import { randomBytes } from "node:crypto";
import { rename, rm, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import type { Outcome } from "../cli/exit-codes.js";
import { type GlobalOptions, loadCommandConfig } from "../cli/global-options.js";
import type { Config } from "../config/types.js";
import { DogdriverError } from "../errors.js";
import { wantsColour } from "../state/colour.js";
import type { Deps } from "../state/deps.js";
import { openStore } from "../store/open-store.js";
import type { RunRecord } from "../store/run-record.js";
import type { RunFilter } from "../store/types.js";
import { listFew } from "../text/first-few.js";
import { notComparedMetric } from "../verdicts/metric-values.js";
import { verdictOptions } from "../verdicts/verdict-options.js";
import { buildReport, reportJson } from "./build-report.js";
import { readRuns, serviceFilters } from "./read-runs.js";
import { renderHtml, trendsOf } from "./render-html.js";
import { renderMarkdown } from "./render-markdown.js";
import { renderTable } from "./render-table.js";

export interface ReportOptions extends GlobalOptions {
  /** "name" or "name/env"; none: every stored service. */
  services?: string[];
  json?: boolean;
  markdown?: boolean;
  /** Every release's verdict against the release before it, not only the newest pair. */
  history?: boolean;
  /** Also write the HTML page with trend charts to this file. */
  html?: string;
  failOn?: "regression";
  /** With failOn: only these metrics' regressions fail the report (default: every metric's). */
  failOnMetrics?: string[];
}

/** The metrics that may fail the report, or undefined for all; a name that is none of them is a usage error. */
const gateMetrics = (
  names: readonly string[] | undefined,
  config: Config,
  runs: readonly RunRecord[],
): Set<string> | undefined => {
  if (names === undefined || names.length === 0) return undefined;
  // Server metrics: the configured queries, and those the stored runs hold (a query since removed, an import).
  const serverNames = [
    ...config.services.flatMap((s) => Object.keys(s.queries)),
    ...runs.flatMap((r) => Object.keys(r.server ?? {})),
  ];
  for (const name of names) {
    const why = notComparedMetric(name, serverNames);
    if (why !== undefined) throw new DogdriverError("usage", `--fail-on-metric: ${why}`);
  }
  return new Set(names);
};

/**
 * SERVICE arguments that match no stored run. A configured service without runs yet is said and reported (nothing
 * to compare is the truth); names neither stored nor configured are a usage error, as for `run`, so a misspelt
 * name in a `--fail-on regression` gate fails instead of passing for ever. Only a warning when the name may still
 * be right: services discovered from the Software Catalog (report does not call Datadog to list them), or
 * records that could not be read.
 */
const checkNamedServices = (
  args: readonly string[],
  filters: readonly RunFilter[],
  stored: { runs: readonly RunRecord[]; invalid: number },
  config: Config,
  storeUrl: string,
  deps: Pick<Deps, "log">,
): void => {
  const unknown: string[] = [];
  filters.forEach((filter, i) => {
    const name = args[i] ?? "";
    const wanted = (service: string, env: string) =>
      service === filter.service && (filter.env === undefined || env === filter.env);
    if (stored.runs.some((r) => wanted(r.service, r.env))) return;
    if (config.services.some((s) => wanted(s.name, s.env)) || config.discover?.datadog || stored.invalid > 0)
      deps.log.warn(`no runs stored for ${name} in ${storeUrl}`);
    else unknown.push(name);
  });
  if (unknown.length === 0) return;
  const names = unknown.map((n) => `"${n}"`).join(", ");
  const configured = config.services.map((s) => `${s.name}/${s.env}`).join(", ") || "none";
  const where =
    config.file === "defaults"
      ? "no configuration file names them"
      : `none of them is configured in ${config.file} (configured: ${configured})`;
  throw new DogdriverError("usage", `report: no runs of ${names} in ${storeUrl}, and ${where}`);
};

/** `dogdriver report`: release verdicts from the store alone (no Datadog). */
export const reportCommand = async (options: ReportOptions, deps: Deps): Promise<Outcome> => {
  const filters = serviceFilters(options.services ?? []);
  const config = await loadCommandConfig(options, deps);
  const store = openStore(config.store, deps);
  const { runs, invalid } = await readRuns(store, filters, deps.log);
  checkNamedServices(options.services ?? [], filters, { runs, invalid }, config, store.url, deps);
  const gated = gateMetrics(options.failOnMetrics, config, runs);
  const report = buildReport(runs, invalid, verdictOptions(config), options.history === true);

  if (options.html !== undefined)
    await writeAtomically(
      resolve(deps.cwd, options.html),
      renderHtml(report, trendsOf(runs), new Date(deps.clock.now()).toISOString()),
    );
  const colour = wantsColour(deps.stdout, deps.env);
  deps.stdout.write(
    options.json
      ? reportJson(report)
      : options.markdown
        ? renderMarkdown(report)
        : renderTable(report, colour),
  );

  const regressions = report.comparisons.filter(
    (c) => c.verdict === "regression" && (gated === undefined || gated.has(c.metric)),
  );
  if (options.failOn === "regression" && regressions.length > 0) {
    deps.log.warn(
      `${regressions.length} regression verdict${regressions.length === 1 ? "" : "s"}: ${listFew(
        regressions.map((c) => `${c.service}/${c.env} ${c.source} ${c.metric} ${c.candidate.version}`),
        "; ",
      )}`,
    );
    return "regression";
  }
  return "ok";
};

// A half-written page must never replace a good one: write beside it, then rename (atomic on one file system).
const writeAtomically = async (path: string, body: string): Promise<void> => {
  const temp = `${path}.${randomBytes(6).toString("hex")}.tmp`;
  try {
    await writeFile(temp, body, "utf8");
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw new DogdriverError("invalid_input", `--html ${path}: cannot write (${(error as Error).message})`, {
      cause: error,
    });
  }
};
