import type { Outcome } from "../cli/exit-codes.js";
import { type GlobalOptions, loadCommandConfig } from "../cli/global-options.js";
import type { Config } from "../config/types.js";
import { DogdriverError } from "../errors.js";
import type { Deps } from "../state/deps.js";
import { runService } from "./run-service.js";
import { defaultRunnerParts } from "./runner-parts.js";
import { selectServices } from "./select-services.js";
import { deliverSpool } from "./spool.js";
import type { RunnerParts, ServiceResult } from "./types.js";

export interface RunOptions extends GlobalOptions {
  services?: string[];
  all?: boolean;
  json?: boolean;
}

const errorCode = (error: Error) => (error instanceof DogdriverError ? error.code : "internal");

const round2 = (value: number) => Math.round(value * 100) / 100;

const summaryLine = (result: ServiceResult): string => {
  const label = `${result.service.name}/${result.service.env}`;
  if ("error" in result) return `${label}: not run: ${result.error.message}`;
  const { record } = result;
  const { client } = record;
  const where = result.stored === "spool" ? " (spooled: store unreachable)" : "";
  if (record.state === "failed") return `${label}: FAILED ${record.version}: ${record.reason}${where}`;
  const changed = record.version_before
    ? ` (was ${record.version_before} before the load: flagged version_changed)`
    : "";
  const failures =
    client.failures === undefined
      ? ""
      : `, ${client.failures} of ${client.scenario_runs} scenario runs failed${client.failure_messages?.[0] ? ` (${client.failure_messages[0]})` : ""}`;
  const excluded = (record.flags ?? []).filter((f) => f !== "version_changed");
  const flagged = excluded.length ? `; flagged ${excluded.join(", ")}: left out of verdicts` : "";
  return `${label}: ${record.version}${changed}: ${client.requests} requests, ${client.errors} errors${failures}, error rate ${round2(100 * (client.error_rate ?? 0))}%, ${client.rps} rps, p50 ${client.latency_ms.p50} ms, p95 ${client.latency_ms.p95} ms${flagged}${where}`;
};

/**
 * `dogdriver run`: load-tests each selected service, one at a time (concurrent tests from one machine would
 * distort each other's latency); one service's failure never stops the next. Exit 5 when any load test failed,
 * 3 when the only failures were invalid input (molotov.json, a version endpoint's answer), 1 when records had to
 * be spooled.
 */
export const runCommand = async (
  options: RunOptions,
  deps: Deps,
  injected?: Partial<RunnerParts>,
): Promise<Outcome> => {
  const config: Config = await loadCommandConfig(options, deps);
  const services = selectServices(config, options.services ?? [], options.all === true);
  const parts: RunnerParts = { ...defaultRunnerParts(config, deps), ...injected };
  const store = parts.openStore(config.store);
  await deliverSpool(parts.spoolDir, store, deps.log).catch((error: Error) =>
    deps.log.warn(`spool ${parts.spoolDir} not delivered: ${error.message}`),
  );
  const datadog = await parts.datadog();
  // docs/contract.md: without keys, say so once and skip the Datadog part.
  if (!datadog) deps.log.once("Datadog keys not set (DD_API_KEY): run start/stop events are not posted");

  const results: ServiceResult[] = [];
  for (const service of services) {
    if (deps.signal.aborted) break;
    const result = await runService(service, { config, deps, parts, store, datadog });
    results.push(result);
    deps.log.info(summaryLine(result));
    if ("record" in result && options.json) deps.stdout.write(`${JSON.stringify(result.record)}\n`);
  }

  const errors = results.flatMap((r) => ("error" in r ? [r.error] : []));
  const failedRuns = results.filter((r) => "record" in r && r.record.state === "failed").length;
  const skipped = services.length - results.length;
  if (skipped > 0) deps.log.warn(`${skipped} service(s) not run: interrupted`);
  if (
    errors.length > 0 &&
    failedRuns === 0 &&
    skipped === 0 &&
    errors.every((e) => ["invalid_input", "invalid_config"].includes(errorCode(e)))
  ) {
    throw new DogdriverError(
      "invalid_input",
      `${errors.length} of ${services.length} service(s) not run: invalid configuration or input (see above)`,
    );
  }
  if (errors.length > 0 || failedRuns > 0 || skipped > 0) return "load_test_failed";
  if (results.some((r) => "stored" in r && r.stored === "spool")) return "failure";
  return "ok";
};
