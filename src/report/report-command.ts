import { resolve } from "node:path";
import { loadCommandConfig } from "../config/command-config.js";
import { notComparedMetric } from "../config/compared-metrics.js";
import type { Config } from "../config/types.js";
import { DogdriverError } from "../errors.js";
import { wantsColour } from "../state/colour.js";
import type { Deps } from "../state/deps.js";
import type { GlobalOptions } from "../state/global-options.js";
import type { Outcome } from "../state/outcome.js";
import { openStore } from "../store/open-store.js";
import type { RunFilter, RunStore } from "../store/types.js";
import { listFew } from "../text/first-few.js";
import { verdictEngine } from "../verdicts/compare-releases.js";
import type { Comparison } from "../verdicts/types.js";
import { verdictOptions } from "../verdicts/verdict-options.js";
import { headline, isShown } from "./format.js";
import { openHtmlFile } from "./html-file.js";
import { jsonReportWriter } from "./json-writer.js";
import { judgeGroup } from "./judge-group.js";
import { htmlFoot, htmlHead, htmlSection, trendsOf } from "./render-html.js";
import { renderMarkdown } from "./render-markdown.js";
import { renderTable } from "./render-table.js";
import type { Report, Skipped } from "./report-types.js";
import { serviceFilters } from "./service-filters.js";
import { serviceEnvGroups } from "./store-groups.js";

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

/**
 * --fail-on-metric names that are no comparable metric, given the server metrics known: the configured queries'
 * names and those the stored runs hold (a query since removed, an import).
 */
const unknownMetrics = (names: readonly string[], serverNames: Iterable<string>): string[] =>
  names.flatMap((name) => notComparedMetric(name, serverNames) ?? []);

/**
 * SERVICE arguments that match no stored run. A configured service without runs yet is said and reported (nothing
 * to compare is the truth); names neither stored nor configured are a usage error, as for `run`, so a misspelt
 * name in a `--fail-on regression` gate fails instead of passing for ever. Only a warning when the name may still
 * be right: services discovered from the Software Catalog (report does not call Datadog to list them). Checked
 * on the store's keys before anything is judged or printed.
 */
const checkNamedServices = async (
  args: readonly string[],
  filters: readonly RunFilter[],
  store: RunStore,
  config: Config,
  deps: Pick<Deps, "log">,
): Promise<void> => {
  const unknown: string[] = [];
  for (const [i, filter] of filters.entries()) {
    const name = args[i] ?? "";
    let stored = false;
    for await (const _ of store.listRunKeys(filter)) {
      stored = true;
      break;
    }
    if (stored) continue;
    const wanted = (service: string, env: string) =>
      service === filter.service && (filter.env === undefined || env === filter.env);
    if (config.services.some((s) => wanted(s.name, s.env)) || config.discover?.datadog)
      deps.log.warn(`no runs stored for ${name} in ${store.url}`);
    else unknown.push(name);
  }
  if (unknown.length === 0) return;
  const names = unknown.map((n) => `"${n}"`).join(", ");
  const configured = config.services.map((s) => `${s.name}/${s.env}`).join(", ") || "none";
  const where =
    config.file === "defaults"
      ? "no configuration file names them"
      : `none of them is configured in ${config.file} (configured: ${configured})`;
  throw new DogdriverError("usage", `report: no runs of ${names} in ${store.url}, and ${where}`);
};

/**
 * `dogdriver report`: release verdicts from the store alone (no Datadog). One service/env at a time, as the
 * store lists them: --json and --html are written as each is judged, and the table and Markdown keep only the
 * rows they show, so memory holds one service's history whatever the fleet's size.
 */
export const reportCommand = async (options: ReportOptions, deps: Deps): Promise<Outcome> => {
  const filters = serviceFilters(options.services ?? []);
  const config = await loadCommandConfig(options, deps);
  const store = openStore(config.store, deps);
  await checkNamedServices(options.services ?? [], filters, store, config, deps);
  const configuredServerNames = config.services.flatMap((s) => Object.keys(s.queries));
  const gateNames = options.failOnMetrics ?? [];
  // A server metric may be known only from stored runs: those names are checked again once all are read.
  const unsure = gateNames.filter((name) => unknownMetrics([name], configuredServerNames).length > 0);
  const wrong = unknownMetrics(
    unsure.filter((name) => !name.startsWith("server.")),
    configuredServerNames,
  );
  if (wrong.length > 0) throw new DogdriverError("usage", `--fail-on-metric: ${wrong[0]}`);

  const withHistory = options.history === true;
  const engine = verdictEngine(verdictOptions(config));
  const json = options.json ? jsonReportWriter((text) => deps.stdout.write(text), withHistory) : undefined;
  const html = options.html === undefined ? undefined : resolve(deps.cwd, options.html);
  const page = html === undefined ? undefined : await openHtmlFile(html);
  // What the table and Markdown show: every p95 row, and the other metrics' decided ones.
  const shown: Comparison[] = [];
  const shownHistory: Comparison[] = [];
  const skipped: Skipped[] = [];
  const regressions: Comparison[] = [];
  const serverNames = new Set(configuredServerNames);
  let runs = 0;
  let invalid = 0;
  const onInvalid = (key: string, problem: string) => {
    invalid++;
    // One line per bad record is enough to find it; hundreds would bury the report.
    if (invalid <= 5) deps.log.warn(`${key}: skipped (${problem})`);
  };
  try {
    await page?.write(htmlHead(new Date(deps.clock.now()).toISOString()));
    for await (const group of serviceEnvGroups(store, filters, { onInvalid })) {
      runs += group.length;
      for (const run of group) for (const name of Object.keys(run.server ?? {})) serverNames.add(name);
      const judged = judgeGroup(group, engine, withHistory);
      json?.comparisons(judged.comparisons);
      json?.history(judged.history ?? []);
      if (page !== undefined)
        for (const trend of trendsOf(judged.histories))
          await page.write(htmlSection(trend, judged.comparisons, judged.history));
      for (const c of judged.comparisons) {
        if (c.verdict === "regression") regressions.push(c);
        if (json === undefined && isShown(c)) shown.push(c);
      }
      if (json === undefined) shownHistory.push(...headline(judged.history ?? []));
      skipped.push(...judged.skipped);
    }
    if (invalid > 5) deps.log.warn(`${invalid} unreadable records skipped in all`);
    await page?.write(htmlFoot(runs));
    await page?.commit();
  } catch (error) {
    await page?.abandon();
    throw error;
  }
  if (html !== undefined) deps.log.info(`report: HTML page written to ${html}`);

  if (json !== undefined) json.finish(skipped, runs);
  else {
    const report: Report = {
      comparisons: shown,
      ...(withHistory ? { history: shownHistory } : {}),
      skipped,
      runs,
      invalid,
    };
    deps.stdout.write(
      options.markdown ? renderMarkdown(report) : renderTable(report, wantsColour(deps.stdout, deps.env)),
    );
  }

  const unknown = unknownMetrics(unsure, serverNames);
  if (unknown.length > 0) throw new DogdriverError("usage", `--fail-on-metric: ${unknown[0]}`);
  const gated = gateNames.length === 0 ? undefined : new Set(gateNames);
  const failing = regressions.filter((c) => gated === undefined || gated.has(c.metric));
  if (options.failOn === "regression" && failing.length > 0) {
    deps.log.warn(
      `${failing.length} regression verdict${failing.length === 1 ? "" : "s"}: ${listFew(
        failing.map((c) => `${c.service}/${c.env} ${c.source} ${c.metric} ${c.candidate.version}`),
        "; ",
      )}`,
    );
    return "regression";
  }
  return "ok";
};
