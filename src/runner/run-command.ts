import { loadCommandConfig } from "../config/command-config.js";
import type { Config, ServiceConfig } from "../config/types.js";
import { withDiscovered } from "../discovery/discover-services.js";
import { DogdriverError } from "../errors.js";
import type { Deps } from "../state/deps.js";
import type { GlobalOptions } from "../state/global-options.js";
import type { Outcome } from "../state/outcome.js";
import type { RunRecord } from "../store/run-record.js";
import { redactUrl } from "../text/redact-url.js";
import { sweepDeadCaptureDirs } from "./capture-dirs.js";
import { childEnv } from "./child-env.js";
import { ensureSupportedMolotov } from "./probe-versions.js";
import { queueEvents, runService } from "./run-service.js";
import { defaultRunnerParts } from "./runner-parts.js";
import { selectServices } from "./select-services.js";
import { parseShard, takeShard } from "./shard.js";
import { deliverSpool } from "./spool.js";
import type { RunnerParts, ServiceResult } from "./types.js";

export interface RunOptions extends GlobalOptions {
  services?: string[];
  all?: boolean;
  json?: boolean;
  /** Print the services the run would test, one per line, and test nothing. */
  list?: boolean;
  /** "I/N" or "index/N" (JOB_COMPLETION_INDEX): this runner's stable share of --all. */
  shard?: string;
  /** Test up to this many services at once (default 1). */
  parallel?: number;
}

/** Most services one runner tests at once: past a few, the runner measures itself more than the service. */
export const MAX_PARALLEL = 32;

/** `run --list`'s line: name, env, endpoint and team ("-" without one), separated by spaces. */
export const listLine = (s: ServiceConfig): string =>
  `${s.name} ${s.env} ${redactUrl(s.endpoint)} ${s.team ?? "-"}`;

const errorCode = (error: Error) => (error instanceof DogdriverError ? error.code : "internal");

const round2 = (value: number) => Math.round(value * 100) / 100;

const summaryLine = (result: ServiceResult): string => {
  const label = `${result.service.name}/${result.service.env}`;
  if ("error" in result) return `${label}: not run: ${result.error.message}`;
  const { record } = result;
  const { client } = record;
  const where = {
    store: "",
    spool: " (spooled: store unreachable)",
    stdout: " (NOT STORED: printed on stdout, import it with `dogdriver import`)",
  }[result.stored];
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
 * `dogdriver run`: load-tests each selected service, one at a time unless --parallel asks for more (concurrent
 * tests from one machine distort each other's latency: docs/fleet.md); one service's failure
 * never stops the next. Exit 5 when any load test failed,
 * 3 when the only failures were invalid input (molotov.json, a version endpoint's answer), 1 when records had to
 * be spooled (or, neither store nor spool taking them, printed on stdout).
 */
export const runCommand = async (
  options: RunOptions,
  deps: Deps,
  injected?: Partial<RunnerParts>,
): Promise<Outcome> => {
  const shard = options.shard === undefined ? undefined : parseShard(options.shard, deps.env);
  if (shard !== undefined && options.all !== true)
    throw new DogdriverError("usage", "run: --shard takes a share of --all; add --all");
  const parallel = options.parallel ?? 1;
  if (!Number.isInteger(parallel) || parallel < 1 || parallel > MAX_PARALLEL)
    throw new DogdriverError(
      "usage",
      `run: --parallel expects a whole number from 1 to ${MAX_PARALLEL}, got ${parallel}`,
    );
  const loaded: Config = await loadCommandConfig(options, deps);
  const parts: RunnerParts = { ...defaultRunnerParts(loaded, deps), ...injected };
  const config = await withDiscovered(loaded, await parts.datadog(), deps.log);
  const services = takeShard(selectServices(config, options.services ?? [], options.all === true), shard);
  if (options.list) {
    for (const service of services) deps.stdout.write(`${listLine(service)}\n`);
    return "ok";
  }
  if (shard !== undefined)
    deps.log.info(
      `shard ${shard.index}/${shard.count}: ${services.length} service(s) of this runner's share`,
    );
  // Once for the command, before anything is delivered or tested: an unsupported Molotov is one message, exit 3.
  if (services.length > 0) await ensureSupportedMolotov(parts.python, childEnv(deps.env), deps.signal);

  const swept = await sweepDeadCaptureDirs(deps);
  if (swept > 0) deps.log.debug(`removed ${swept} capture director(ies) of killed runs`);
  const store = parts.openStore(config.store);
  // Only whether a key is set: `run` never calls Datadog (its events go through the outbox, run-events.ts).
  const withEvents = Boolean(deps.env.DD_API_KEY?.trim());
  const delivered = withEvents ? (record: RunRecord) => queueEvents({ store, deps }, record) : undefined;
  await deliverSpool(parts.spoolDir, store, deps.log, delivered).catch((error: Error) =>
    deps.log.warn(`spool ${parts.spoolDir} not delivered: ${error.message}`),
  );
  // docs/contract.md: without keys, say so once and skip the Datadog part.
  if (!withEvents) deps.log.once("Datadog keys not set (DD_API_KEY): run start/stop events are not queued");

  // Up to `parallel` tests at once; each worker takes the next service until none is left or the user stops.
  const results: ServiceResult[] = [];
  let next = 0;
  const worker = async () => {
    for (let service = services[next++]; service !== undefined; service = services[next++]) {
      if (deps.signal.aborted) return;
      const result = await runService(service, { config, deps, parts, store, queueEvents: withEvents });
      results.push(result);
      deps.log.info(summaryLine(result));
      // The last resort of a record neither the store nor the spool took: stdout, one importable JSON line.
      if ("record" in result && (options.json || result.stored === "stdout"))
        deps.stdout.write(`${JSON.stringify(result.record)}\n`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, services.length) }, worker));

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
  if (results.some((r) => "stored" in r && r.stored !== "store")) return "failure";
  return "ok";
};
