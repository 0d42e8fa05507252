import nodeSchedule from "node-schedule";

// The cron clock behind `dogdriver schedule`, injectable so tests can fire ticks by hand.
export interface Scheduler {
  /** Calls `tick` on every match of `cron`; undefined when node-schedule cannot parse the expression. */
  schedule(cron: string, tick: () => void): { cancel(): void; nextMs(): number | undefined } | undefined;
}

export const cronScheduler: Scheduler = {
  schedule: (cron, tick) => {
    const job = nodeSchedule.scheduleJob(cron, tick);
    if (!job) return undefined;
    return {
      cancel: () => void job.cancel(),
      nextMs: () => job.nextInvocation()?.getTime(),
    };
  },
};
