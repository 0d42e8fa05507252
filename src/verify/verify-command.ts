import { loadCommandConfig } from "../config/command-config.js";
import { parseDurationMs } from "../config/duration.js";
import type { Config, ServiceConfig } from "../config/types.js";
import { withDiscovered } from "../discovery/discover-services.js";
import { DogdriverError } from "../errors.js";
import { childEnv } from "../runner/child-env.js";
import { readDeployedVersion } from "../runner/deployed-version.js";
import { ensureSupportedMolotov } from "../runner/probe-versions.js";
import { runService } from "../runner/run-service.js";
import { defaultRunnerParts } from "../runner/runner-parts.js";
import { selectServices } from "../runner/select-services.js";
import type { RunnerParts } from "../runner/types.js";
import type { Deps } from "../state/deps.js";
import type { GlobalOptions } from "../state/global-options.js";
import type { Outcome } from "../state/outcome.js";
import type { RunRecord } from "../store/run-record.js";
import type { RunStore } from "../store/types.js";
import { plural } from "../text/plural.js";
import type { ReleaseVerdict } from "../verdicts/release-series.js";
import { round } from "../verdicts/rounding.js";
import type { Comparison } from "../verdicts/types.js";
import { postVerdict } from "./verify-datadog.js";
import { type VerifyVerdict, verifyDecision } from "./verify-decision.js";
import { atEndpoint, checkEndpoint } from "./verify-endpoint.js";
import {
  VERIFY_ALPHA,
  VERIFY_METRICS,
  type VerifyTarget,
  verifyHeadline,
  verifyLook,
} from "./verify-judge.js";
import {
  type Ending,
  finalLine,
  type LookSummary,
  lookLine,
  resultJson,
  resultMarkdown,
  type VerifyResult,
} from "./verify-render.js";
import { verifyTarget } from "./verify-target.js";

export interface VerifyOptions extends GlobalOptions {
  /** "name" or "name/env". */
  service: string;
  /** Compare with this stored release rather than the one before the deployed version. */
  baseline?: string;
  /** Load tests this verify may make (default 10). */
  maxRuns?: number;
  /** Start no load test after this long ("20m"). */
  maxTime?: string;
  /** Load-test this URL (a canary's) instead of the configured endpoint; the version is read there too. */
  endpoint?: string;
  json?: boolean;
  markdown?: boolean;
}

const DEFAULT_MAX_RUNS = 10;

/** The exit a decision ends verify with (docs/contract.md): 0 decided without a regression, 4, or 6. */
const OUTCOME: Record<VerifyVerdict, Outcome> = {
  regression: "regression",
  improvement: "ok",
  no_change: "ok",
  undecided: "undecided",
};
const MAX_RUNS_LIMIT = 100;

const checkBudget = (options: VerifyOptions): { maxRuns: number; maxTimeMs: number | undefined } => {
  const maxRuns = options.maxRuns ?? DEFAULT_MAX_RUNS;
  if (!Number.isInteger(maxRuns) || maxRuns < 1 || maxRuns > MAX_RUNS_LIMIT)
    throw new DogdriverError(
      "usage",
      `verify: --max-runs expects a whole number from 1 to ${MAX_RUNS_LIMIT}, got ${maxRuns}`,
    );
  if (options.maxTime === undefined) return { maxRuns, maxTimeMs: undefined };
  const maxTimeMs = parseDurationMs(options.maxTime);
  if (maxTimeMs === undefined || maxTimeMs <= 0)
    throw new DogdriverError(
      "usage",
      `verify: --max-time expects a duration such as 20m or 1h (at most 7d), got "${options.maxTime}"`,
    );
  return { maxRuns, maxTimeMs };
};

/** The one configured (or discovered) service that SERVICE names. */
const oneService = async (
  config: Config,
  name: string,
  parts: RunnerParts,
  deps: Deps,
): Promise<ServiceConfig> => {
  const services = await withDiscovered(config, await parts.datadog(), deps.log);
  const matches = selectServices(services, [name], false, "verify");
  if (matches.length > 1)
    throw new DogdriverError(
      "usage",
      `verify: "${name}" is configured in ${matches.length} envs (${matches.map((s) => s.env).join(", ")}): name one, as ${name}/${matches[0]?.env}`,
    );
  return matches[0] as ServiceConfig;
};

const readHistory = async (store: RunStore, service: ServiceConfig, deps: Deps): Promise<RunRecord[]> => {
  const runs: RunRecord[] = [];
  for await (const run of store.listRuns(
    { service: service.name, env: service.env },
    { onInvalid: (key, problem) => deps.log.warn(`${key}: skipped (${problem})`) },
  ))
    runs.push(run);
  return runs;
};

/**
 * `dogdriver verify SERVICE[/ENV]`: load-tests the deployed version run after run, each run stored as `run`
 * stores it, and after each judges it against the release before it with an anytime-valid test, stopping at
 * the first decision or at the budget (docs/verify.md). Exit 0 decided without a regression, 4 regression,
 * 6 undecided at the budget, 5 a load test failed.
 */
export const verifyCommand = async (
  options: VerifyOptions,
  deps: Deps,
  injected?: Partial<RunnerParts>,
): Promise<Outcome> => {
  const { maxRuns, maxTimeMs } = checkBudget(options);
  const endpoint = checkEndpoint(options.endpoint);
  const config = await loadCommandConfig(options, deps);
  const parts: RunnerParts = { ...defaultRunnerParts(config, deps), ...injected };
  const service = atEndpoint(await oneService(config, options.service, parts, deps), endpoint, deps.log);
  const store = parts.openStore(config.store);
  try {
    // The history once; every look then adds only its own run.
    const runs = await readHistory(store, service, deps);
    const deployed = await readDeployedVersion(service.version, deps.signal, deps.clock);
    const target = verifyTarget(runs, service, deployed, options.baseline, {
      storeUrl: store.url,
      source: config.source,
    });
    // As `run`: an unsupported Molotov is one message, exit 3, before any load.
    await ensureSupportedMolotov(parts.python, childEnv(deps.env), deps.signal);
    // The service's own "no change" margin, a discovered service's included (verdictOptions knows only the file's).
    const marginPct = service.equivalencePct ?? config.verdicts.equivalencePct;
    const headlineMetric = verifyHeadline(config.alerts.regressionMetric);
    if (headlineMetric !== config.alerts.regressionMetric)
      deps.log.info(
        `verify: alerts.regression_metric ${config.alerts.regressionMetric} is not among the metrics verify decides on (${VERIFY_METRICS.join(", ")}); its headline is ${headlineMetric}`,
      );
    const withEvents = Boolean(deps.env.DD_API_KEY?.trim());
    const ctx = { config, deps, parts, store, queueEvents: withEvents };
    const startedAt = deps.clock.now();
    const looks: LookSummary[] = [];
    let made = 0;
    const look = () => {
      const rows = verifyLook(runs, target, { detectPct: marginPct }).rows;
      const decision = verifyDecision(rows, headlineMetric, marginPct);
      const c = decision.comparison;
      const summary: LookSummary = {
        run: made,
        candidate_runs: c?.candidate.runs ?? 0,
        verdict: decision.verdict,
        change_pct: c?.change_pct ?? null,
        change_ci_pct: c?.change_ci_pct ?? null,
        p_value: c?.p_value ?? null,
      };
      looks.push(summary);
      deps.log.info(lookLine(target, summary, maxRuns, c));
      return { rows, decision };
    };
    // Candidate runs already stored may answer before any load is sent.
    const stored = runs.filter((r) => r.version === target.candidate && r.state !== "failed").length;
    let last = stored >= 2 ? look() : undefined;
    // A failed load test, or a deploy during verify: the result so far is printed with the reason.
    let stopped: { ending: Exclude<Ending, "interrupted">; reason: string } | undefined;
    while (last === undefined || last.decision.verdict === "undecided") {
      if (made >= maxRuns || deps.signal.aborted) break;
      if (maxTimeMs !== undefined && deps.clock.now() - startedAt >= maxTimeMs) {
        deps.log.info(`verify: --max-time ${options.maxTime} reached after ${made} run(s)`);
        break;
      }
      const result = await runService(service, ctx);
      made++;
      if ("error" in result) throw result.error;
      const record = result.record;
      // Neither the store nor the spool took it: the record goes out whole, beside --json's one object.
      if (result.stored === "stdout")
        (options.json ? deps.stderr : deps.stdout).write(`${JSON.stringify(record)}\n`);
      // Ctrl-C or SIGTERM stopped the load test (recorded as failed, as `run` records it): nothing failed in the
      // service, so verify ends as interrupted, with what it had, as between two runs (exit 1).
      if (record.state === "failed" && deps.signal.aborted) break;
      if (record.state === "failed")
        stopped = {
          ending: "failed",
          reason: `the load test failed: ${record.reason ?? "no reason recorded"}`,
        };
      else if (record.version !== target.candidate)
        stopped = {
          ending: "version_changed",
          reason: `the deployed version changed from ${target.candidate} to ${record.version} during verify; verify the new one`,
        };
      if (stopped !== undefined) {
        deps.log.warn(`verify ${service.name}/${service.env}: ${stopped.reason}`);
        break;
      }
      runs.push(record);
      last = look();
    }
    const rows = last?.rows ?? [];
    const decision =
      stopped === undefined && last !== undefined
        ? last.decision
        : { verdict: "undecided" as const, comparison: last?.decision.comparison };
    const c = decision.comparison;
    const result: VerifyResult = {
      service: service.name,
      env: service.env,
      source: config.source,
      baseline_version: target.baseline,
      candidate_version: target.candidate,
      verdict: decision.verdict,
      metric: c?.metric ?? null,
      runs: made,
      candidate_runs: c?.candidate.runs ?? 0,
      baseline_runs: c?.baseline.runs ?? 0,
      change_pct: c?.change_pct ?? null,
      change_ci_pct: c?.change_ci_pct ?? null,
      p_value: c?.p_value ?? null,
      reason: stopped?.reason ?? c?.reason ?? null,
      looks,
      comparisons: rows,
    };
    const interrupted = deps.signal.aborted;
    const ending = interrupted ? "interrupted" : stopped?.ending;
    if (stopped === undefined) deps.log.info(finalLine(result, c, interrupted));
    if (decision.verdict !== "undecided") await post(ctx, target, decision.verdict, rows);
    if (options.json) deps.stdout.write(resultJson(result));
    else if (options.markdown) deps.stdout.write(resultMarkdown(result, ending));
    if (interrupted)
      throw new DogdriverError(
        "interrupted",
        `verify ${service.name}/${service.env}: interrupted after ${plural(made, "load test")}; every finished run is stored`,
      );
    if (stopped?.ending === "version_changed")
      throw new DogdriverError("invalid_input", `verify ${service.name}/${service.env}: ${stopped.reason}`);
    return stopped === undefined ? OUTCOME[decision.verdict] : "load_test_failed";
  } finally {
    store.close?.();
  }
};

/** The decision as the release's verdict event and series; a Datadog failure leaves it queued, never lost. */
const post = async (
  ctx: { config: Config; store: RunStore; deps: Deps },
  target: VerifyTarget,
  verdict: ReleaseVerdict["verdict"],
  rows: readonly Comparison[],
) => {
  const decided = rows.filter((c) => c.verdict !== "insufficient_data");
  const release: ReleaseVerdict = {
    service: target.service,
    env: target.env,
    test: target.test,
    baseline: target.baseline,
    candidate: target.candidate,
    verdict,
    comparisons: decided,
    endpoints: 0,
    unchangedEndpoints: 0,
    // Each metric's anytime-valid sequence, at α/4 (docs/verify.md).
    intervalLabel: `${round(100 * (1 - VERIFY_ALPHA / VERIFY_METRICS.length), 2)}% anytime-valid interval`,
    as_of_ms: Math.max(...rows.map((c) => c.as_of_ms)),
  };
  try {
    const posted = await postVerdict(ctx, release, rows);
    if (posted === "posted") ctx.deps.log.info(`verify: verdict posted to Datadog`);
    if (posted === "queued")
      ctx.deps.log.warn(
        "verify: Datadog did not take the verdict now; it stays in the outbox for the next aggregate",
      );
    if (posted === "warnings") ctx.deps.log.warn("verify: outbox sent to Datadog, with the warnings above");
  } catch (error) {
    ctx.deps.log.warn(
      `verify: verdict not posted to Datadog (${(error as Error).message}); it stays in the outbox for the next aggregate`,
    );
  }
};
