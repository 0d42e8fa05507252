import { readFile, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { ulid } from "ulid";
import type { Config, ServiceConfig } from "../config/types.js";
import { DogdriverError } from "../errors.js";
import type { Deps } from "../state/deps.js";
import { RUN_SCHEMA, type RunRecord } from "../store/run-record.js";
import type { RunStore } from "../store/types.js";
import { redactUrl } from "../text/redact-url.js";
import { safeText } from "../text/safe-text.js";
import { makeCaptureDir } from "./capture-dirs.js";
import { captureReader } from "./capture-reader.js";
import { childEnv } from "./child-env.js";
import { ClientStats } from "./client-stats.js";
import { readDeployedVersion } from "./deployed-version.js";
import { oneAtATime } from "./keyed-queue.js";
import { readTestPlan } from "./molotov-config.js";
import { failureReason } from "./molotov-failure.js";
import { parseCounters, runMolotovProcess } from "./molotov-process.js";
import { ensureSupportedMolotov } from "./probe-versions.js";
import { startProgress } from "./progress.js";
import { queueRunEvents } from "./run-events.js";
import { runTimeoutMs } from "./run-timeout.js";
import { isSaturated, RunnerHealth } from "./runner-health.js";
import { spoolRecord } from "./spool.js";
import { checkoutTest } from "./test-checkout.js";
import { testEnv } from "./test-env.js";
import type { RunnerParts, ServiceResult, StoredIn, TestPlan } from "./types.js";
import { ensureVirtualenv } from "./virtualenv.js";

const POLL_MS = 1000;
export interface ServiceContext {
  config: Config;
  deps: Deps;
  parts: RunnerParts;
  store: RunStore;
  /** DD_API_KEY is set: the run's start/stop events are queued in the store's outbox for `aggregate`. */
  queueEvents: boolean;
}

const scenarioMissing = async (plan: TestPlan) =>
  plan.scenario.endsWith(".py") &&
  !(await stat(join(plan.dir, plan.scenario)).then(
    (s) => s.isFile(),
    () => false,
  ));

const molotovEnv = (
  deps: Deps,
  plan: TestPlan,
  service: ServiceConfig,
  version: string,
  captureDir: string,
) => ({
  ...testEnv(deps, plan, service, version),
  DOGDRIVER_CAPTURE_DIR: captureDir,
  DOGDRIVER_RESULT_FILE: join(captureDir, "result.json"),
});

/** Prepares the test: checkout, molotov.json, requirements. Fails before any load is sent. */
const prepare = async (service: ServiceConfig, { deps, parts }: ServiceContext) => {
  const dir = await checkoutTest({
    test: service.test,
    cwd: deps.cwd,
    cacheDir: parts.cacheDir,
    env: deps.env,
    signal: deps.signal,
  });
  const plan = await readTestPlan(dir, service.test.name);
  if (await scenarioMissing(plan)) {
    throw new DogdriverError(
      "load_test_failed",
      `scenario file not found: ${join(plan.dir, plan.scenario)} (${plan.origin})`,
    );
  }
  if (plan.requirements === undefined) return { plan, python: parts.python };
  const python = await ensureVirtualenv({
    python: parts.python,
    requirements: plan.requirements,
    cacheDir: parts.cacheDir,
    env: deps.env,
    signal: deps.signal,
  });
  // The requirements may have brought a Molotov of their own.
  await ensureSupportedMolotov(python, childEnv(deps.env), deps.signal);
  return { plan, python };
};

interface LoadInput {
  label: string;
  plan: TestPlan;
  python: string;
  env: Record<string, string>;
  captureDir: string;
  timeoutMs: number;
}

/** Runs molotov with the capture extension, showing progress, and summarises what it captured. */
const load = async (
  { label, plan, python, env, captureDir, timeoutMs }: LoadInput,
  { deps, parts, config }: ServiceContext,
) => {
  const stats = new ClientStats(config.endpoints.max);
  const health = new RunnerHealth();
  const reader = captureReader(captureDir, (sample) => stats.add(sample), {
    failure: (_atMs, message) => stats.addFailure(message),
    lag: (_atMs, lagMs) => health.addLag(lagMs),
  });
  // Reading the capture must never end the loop while molotov runs: that would leave it running unwatched.
  const drain = () =>
    reader.drain().catch((error: Error) => deps.log.warn(`${label}: capture not read: ${error.message}`));
  const progress = startProgress(label, plan.expectedMs, deps);
  const startedAt = deps.clock.now();
  const running = runMolotovProcess({
    python,
    // `--` ends --use-extension's nargs="+", which would otherwise swallow the scenario (docs/runner.md).
    args: [...plan.flags, "--use-extension", parts.extensionPath, ...plan.extensions, "--", plan.scenario],
    cwd: plan.dir,
    env,
    timeoutMs,
    killGraceMs: parts.killGraceMs,
    signal: deps.signal,
    clock: deps.clock,
    onStart: (pid) => health.watch(pid, deps.clock.now()),
  });
  const polling = new AbortController();
  const finished = running.finally(() => polling.abort());
  while (!polling.signal.aborted) {
    await deps.clock.sleep(POLL_MS, polling.signal).catch(() => undefined);
    await drain();
    await health.sample(deps.clock.now());
    progress.update(stats);
  }
  const exit = await finished;
  const endedAt = deps.clock.now();
  progress.done();
  await drain();
  if (reader.malformed() > 0)
    deps.log.warn(`${label}: ${reader.malformed()} unreadable capture lines skipped`);
  const counters = parseCounters(
    await readFile(join(captureDir, "result.json"), "utf8").catch(() => undefined),
  );
  return { stats, steps: reader.steps(), runner: health.summary(), exit, counters, startedAt, endedAt };
};

/** Runs one service's test and records it; every error before the load is returned, never thrown. */
export const runService = async (service: ServiceConfig, ctx: ServiceContext): Promise<ServiceResult> => {
  const { deps, config } = ctx;
  const label = `${service.name}/${service.env}`;
  let captureDir: string | undefined;
  try {
    const versionBefore = await readDeployedVersion(service.version, deps.signal, deps.clock);
    const { plan, python } = await oneAtATime(service.test.repo, () => prepare(service, ctx));
    captureDir = await makeCaptureDir(deps);
    deps.log.info(
      `${label}: running ${plan.origin} against ${redactUrl(service.endpoint)} (version ${versionBefore})`,
    );

    const id = ulid(deps.clock.now());
    const base = {
      service: service.name,
      env: service.env,
      source: config.source,
      test: service.test.name,
      ...(service.team === undefined ? {} : { team: service.team }),
    };
    const env = molotovEnv(deps, plan, service, versionBefore, captureDir);
    const timeoutMs = runTimeoutMs(service.test.timeoutMs, plan.expectedMs);
    const { stats, steps, runner, exit, counters, startedAt, endedAt } = await load(
      { label, plan, python, env, captureDir, timeoutMs },
      ctx,
    );

    let reason = failureReason({ exit, counters, stats, steps, plan, elapsedMs: endedAt - startedAt });
    let version = versionBefore;
    if (!deps.signal.aborted) {
      try {
        version = await readDeployedVersion(service.version, deps.signal, deps.clock);
      } catch (error) {
        reason ??= `after the load: ${(error as Error).message}`;
      }
    }
    const client = stats.summary(steps);
    const flags = [
      ...(version === versionBefore ? [] : ["version_changed"]),
      ...(isSaturated(runner) ? ["runner_saturated"] : []),
      ...((client.error_rate ?? 0) * 100 > config.alerts.errorRatePct ? ["error_rate_high"] : []),
    ];
    const record: RunRecord = {
      schema: RUN_SCHEMA,
      id,
      ...base,
      version,
      started_at: new Date(startedAt).toISOString(),
      ended_at: new Date(endedAt).toISOString(),
      state: reason === undefined ? "pending" : "failed",
      client,
      runner,
      ...(flags.length ? { flags } : {}),
      ...(version === versionBefore ? {} : { version_before: versionBefore }),
      // Molotov's output is the test's text: safe characters only (src/text/safe-text.ts).
      ...(reason === undefined ? {} : { reason: safeText(reason) }),
    };
    const stored = await storeRecord(record, ctx);
    // A spooled record queues its events when it is delivered (deliverSpool).
    if (stored === "store" && ctx.queueEvents) await queueEvents(ctx, record);
    return { service, record, stored };
  } catch (error) {
    return { service, error: error as Error };
  } finally {
    if (captureDir !== undefined) await rm(captureDir, { recursive: true, force: true });
  }
};

/** Queues the run's start/stop events; a store that took the record but not this is a warning, not a lost run. */
export const queueEvents = async (
  { store, deps }: Pick<ServiceContext, "store" | "deps">,
  record: RunRecord,
) => {
  try {
    await queueRunEvents(store, record, deps.clock.now());
  } catch (error) {
    deps.log.warn(
      `Datadog events of run ${record.id} not queued in ${store.url}: ${(error as Error).message}`,
    );
  }
};

/** The store's write, tried again after each of `delaysMs` (S3) unless the error is the record's own or Ctrl-C. */
const putWithRetries = async (record: RunRecord, { store, parts, deps }: ServiceContext): Promise<void> => {
  for (const delayMs of [...parts.storeRetryDelaysMs, undefined]) {
    try {
      await store.putRun(record);
      return;
    } catch (error) {
      const retryable = !(error instanceof DogdriverError) || error.code === "store";
      if (delayMs === undefined || !retryable || deps.signal.aborted) throw error;
      deps.log.warn(
        `store ${store.url} refused run ${record.id} (${(error as Error).message}); trying again in ${delayMs / 1000} s`,
      );
      // Ctrl-C ends the wait (the record then goes to the spool), not the run.
      await deps.clock.sleep(delayMs, deps.signal).catch(() => undefined);
    }
  }
};

/**
 * Writes the record to the store, or to the local spool when the store refuses: a finished run is never lost.
 * When the spool cannot take it either, the caller prints it on stdout ("stdout"), importable as it is.
 */
const storeRecord = async (record: RunRecord, ctx: ServiceContext): Promise<StoredIn> => {
  const { store, parts, deps } = ctx;
  let storeError: Error;
  try {
    await putWithRetries(record, ctx);
    return "store";
  } catch (error) {
    storeError = error as Error;
  }
  try {
    const path = await spoolRecord(parts.spoolDir, store.url, record);
    deps.log.warn(
      `store ${store.url} could not take run ${record.id} (${storeError.message}); kept in ${path} for the next run`,
    );
    return "spool";
  } catch (spoolError) {
    deps.log.warn(
      `store ${store.url} could not take run ${record.id} (${storeError.message}), nor the spool ${parts.spoolDir} (${(spoolError as Error).message}): the record is printed on stdout as JSON; save it and load it with \`dogdriver import FILE\``,
    );
    return "stdout";
  }
};
