import type { AggregateOptions } from "../aggregator/aggregate-command.js";
import { loadCommandConfig } from "../config/command-config.js";
import { configWarnings } from "../config/warnings.js";
import { DogdriverError, isDogdriverError } from "../errors.js";
import type { RunOptions } from "../runner/run-command.js";
import { parseShard } from "../runner/shard.js";
import type { Deps } from "../state/deps.js";
import type { GlobalOptions } from "../state/global-options.js";
import type { Outcome } from "../state/outcome.js";
import { cronScheduler, type Scheduler } from "./scheduler.js";

export interface ScheduleOptions extends GlobalOptions {
  /** Passed to each `run --all`: this worker's share of the services (docs/fleet.md). */
  shard?: string;
  parallel?: number;
}

type Task = "run" | "aggregate";

export interface ScheduleParts {
  scheduler: Scheduler;
  run(options: RunOptions, deps: Deps): Promise<Outcome>;
  aggregate(options: AggregateOptions, deps: Deps): Promise<Outcome>;
}

const defaultParts = async (): Promise<ScheduleParts> => ({
  scheduler: cronScheduler,
  run: (await import("../runner/run-command.js")).runCommand,
  aggregate: (await import("../aggregator/aggregate-command.js")).aggregateCommand,
});

/**
 * A worker, not a server: runs `run --all` and `aggregate` on the configured cron expressions until stopped.
 * Tasks run one at a time (a load test should not share the machine with anything dogdriver does); a tick that
 * comes while the same task is queued or running is skipped, with a line saying so.
 */
export const scheduleCommand = async (
  options: ScheduleOptions,
  deps: Deps,
  parts?: ScheduleParts,
): Promise<Outcome> => {
  const config = await loadCommandConfig(options, deps);
  // With Software Catalog discovery the services are known only at each run.
  if (config.services.length === 0 && !config.discover?.datadog) {
    throw new DogdriverError("invalid_config", `${config.file}: no services configured: nothing to schedule`);
  }
  // Said at start rather than at the first aggregate; `once` keeps each aggregate from repeating it.
  for (const line of configWarnings(config)) deps.log.once(line);
  const { scheduler, run, aggregate } = parts ?? (await defaultParts());
  const globals: GlobalOptions = {
    ...(options.config === undefined ? {} : { config: options.config }),
    ...(options.store === undefined ? {} : { store: options.store }),
  };

  const fleet = {
    ...(options.shard === undefined ? {} : { shard: options.shard }),
    ...(options.parallel === undefined ? {} : { parallel: options.parallel }),
  };
  // A mistyped shard is a usage error now, not a warning at every tick.
  if (options.shard !== undefined) parseShard(options.shard, deps.env);

  const queue: Task[] = [];
  let running: Task | undefined;
  let idle: Promise<void> = Promise.resolve();

  const perform = async (task: Task) => {
    const started = deps.clock.now();
    deps.log.info(`schedule: ${task} started`);
    try {
      const outcome =
        task === "run"
          ? await run({ ...globals, ...fleet, all: true }, deps)
          : await aggregate(globals, deps);
      deps.log.info(
        `schedule: ${task} finished (${outcome}) in ${Math.round((deps.clock.now() - started) / 1000)}s`,
      );
    } catch (error) {
      // One failed tick never stops the worker: the next tick tries again.
      const message = isDogdriverError(error) ? error.message : String((error as Error)?.message ?? error);
      deps.log.warn(`schedule: ${task} failed: ${message}`);
    }
  };

  const drain = async () => {
    while (queue.length > 0 && !deps.signal.aborted) {
      running = queue.shift();
      if (running) await perform(running);
      running = undefined;
    }
  };

  const tick = (task: Task) => () => {
    if (deps.signal.aborted) return;
    if (running === task || queue.includes(task)) {
      deps.log.info(`schedule: ${task} skipped: the previous one has not finished`);
      return;
    }
    queue.push(task);
    if (running === undefined && queue.length === 1) idle = drain();
  };

  const jobs = (["run", "aggregate"] as const).map((task) => {
    const job = scheduler.schedule(config.schedule[task], tick(task));
    if (!job) {
      throw new DogdriverError(
        "invalid_config",
        `${config.file}: schedule.${task}: expected a cron expression, got "${config.schedule[task]}"`,
      );
    }
    return { task, job };
  });

  for (const { task, job } of jobs) {
    const next = job.nextMs();
    deps.log.info(
      `schedule: ${task} on "${config.schedule[task]}"${next ? `, next at ${new Date(next).toISOString()}` : ""}`,
    );
  }
  deps.log.info("schedule: running until stopped (Ctrl-C)");

  await new Promise<void>((resolve) => {
    if (deps.signal.aborted) resolve();
    else deps.signal.addEventListener("abort", () => resolve(), { once: true });
  });
  for (const { job } of jobs) job.cancel();
  await idle;
  deps.log.info("schedule: stopped");
  return "ok";
};
