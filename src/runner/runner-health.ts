import { readdir, readFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { DDSketch } from "@datadog/sketches-js";
import type { RunRecord } from "../store/run-record.js";

// How busy the runner was while it generated the load: a runner short of CPU sends less and measures slower,
// which reads as a slower release (docs/runner.md, "Runner health"). Host figures come from Linux's /proc
// (proc(5)); elsewhere they are null. The loop lag comes from the extension's #lag lines: how late a 50 ms timer
// of molotov's event loop fired, which grows both when molotov's own loop is overloaded and when its process waits
// for a CPU. Molotov's run-queue wait (/proc/<pid>/schedstat) says directly how long its loop was ready but had
// no CPU: the figure the flag mostly rests on (the lag of a starved loop with little to do stays small).

export type RunnerBlock = NonNullable<RunRecord["runner"]>;

/**
 * The share of the load's wall time molotov's event loop spent runnable but waiting for a CPU at or above which
 * the runner was short of CPU: flag runner_saturated. Measured by bench/runner-saturation.ts (docs/benchmarks.md,
 * "Runner saturation"): on an idle machine the runner waited 1-2% alone or beside a slow service, 11-14% beside
 * the test suite and 16-19% beside one busy loop; two busy neighbours on its CPU (p95 +36%, rps -14%) 33-35%, four
 * 52-67%. On a machine at load 4-5, two neighbours 34-43% and nothing without two neighbours above 31%.
 */
export const SATURATED_WAIT_PCT = 30;

/**
 * The loop lag p99 at or above which the load generator could not keep up (its own loop overloaded, or no CPU):
 * flag runner_saturated. No run without a busy neighbour reached it in the benchmark (at most 54 ms, in a run
 * whose p95 was itself 60% above its siblings'); the lag alone missed most starved runs, hence the wait above.
 */
export const SATURATED_LAG_MS_P99 = 60;

/** Clock ticks per second of /proc's CPU times: USER_HZ, 100 on every Linux architecture that matters. */
const USER_HZ = 100;

const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;

/** Busy and total jiffies of all CPUs, from /proc/stat's first line; undefined without /proc. */
const hostTimes = async (): Promise<{ busy: number; total: number } | undefined> => {
  const text = await readFile("/proc/stat", "utf8").catch(() => undefined);
  const fields = text?.split("\n", 1)[0]?.trim().split(/\s+/).slice(1).map(Number);
  if (!fields || fields.length < 4 || fields.some((n) => !Number.isFinite(n))) return undefined;
  // user nice system idle iowait irq softirq steal ...; guest time is already inside user.
  const total = fields.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return { busy: total - idle, total };
};

const loadPerCore = async (cores: number): Promise<number | undefined> => {
  const text = await readFile("/proc/loadavg", "utf8").catch(() => undefined);
  const load = Number(text?.split(" ", 1)[0]);
  return Number.isFinite(load) ? load / cores : undefined;
};

interface ProcessTimes {
  /** CPU seconds used so far (utime + stime). */
  cpuS: number;
  /** Seconds its main thread (the event loop) spent runnable but waiting for a CPU, from /proc/<pid>/schedstat. */
  waitS?: number;
  /** Times its main thread was scheduled onto a CPU (schedstat's third field). */
  slices?: number;
}

/** CPU and run-queue wait so far of each process of the group `pgid` (molotov and its -p children). */
const groupTimes = async (pgid: number): Promise<Map<number, ProcessTimes>> => {
  const out = new Map<number, ProcessTimes>();
  const pids = await readdir("/proc").catch(() => [] as string[]);
  for (const name of pids) {
    if (!/^\d+$/.test(name)) continue;
    const text = await readFile(`/proc/${name}/stat`, "utf8").catch(() => undefined);
    if (text === undefined) continue;
    // The command name (field 2) may hold spaces and parentheses: fields are counted after its last ')'.
    const rest = text.slice(text.lastIndexOf(")") + 2).split(" ");
    // rest[0] is field 3 (state): pgrp is field 5, utime 14, stime 15.
    if (Number(rest[2]) !== pgid) continue;
    // schedstat: time on a CPU, time waiting on a run queue (ns), timeslices (sched(7), CONFIG_SCHED_INFO).
    const sched = await readFile(`/proc/${name}/schedstat`, "utf8").catch(() => undefined);
    const [, waitNs, slices] = (sched ?? "").split(" ").map(Number);
    out.set(Number(name), {
      cpuS: (Number(rest[11]) + Number(rest[12])) / USER_HZ,
      ...(Number.isFinite(waitNs) && Number.isFinite(slices)
        ? { waitS: (waitNs as number) / 1e9, slices }
        : {}),
    });
  }
  return out;
};

export class RunnerHealth {
  private readonly lag = new DDSketch({ relativeAccuracy: 0.01 });
  private firstHost?: { busy: number; total: number };
  private lastHost?: { busy: number; total: number };
  private maxLoadPerCore?: number;
  private readonly molotov = new Map<number, ProcessTimes>();
  private pgid?: number;
  private startedAtMs?: number;
  private lastAtMs?: number;

  constructor(private readonly cores = availableParallelism()) {}

  /** The process group to watch (molotov's pid: it leads its own group). */
  watch(pgid: number, atMs: number): void {
    this.pgid = pgid;
    this.startedAtMs = atMs;
  }

  addLag(lagMs: number): void {
    this.lag.accept(Math.max(lagMs, 0.001));
  }

  /** Reads the host's and molotov's CPU and the load average; called about once a second during the load. */
  async sample(atMs: number): Promise<void> {
    const host = await hostTimes();
    if (host) {
      this.firstHost ??= host;
      this.lastHost = host;
    }
    const load = await loadPerCore(this.cores);
    if (load !== undefined) this.maxLoadPerCore = Math.max(this.maxLoadPerCore ?? 0, load);
    if (this.pgid !== undefined) {
      for (const [pid, times] of await groupTimes(this.pgid)) this.molotov.set(pid, times);
      this.lastAtMs = atMs;
    }
  }

  /** The record's `runner` block: means over the load, the highest load per core, the loop lag's p99 and max. */
  summary(): RunnerBlock {
    const hostDelta =
      this.firstHost && this.lastHost && this.lastHost.total > this.firstHost.total
        ? (100 * (this.lastHost.busy - this.firstHost.busy)) / (this.lastHost.total - this.firstHost.total)
        : null;
    const spanS =
      this.startedAtMs !== undefined && this.lastAtMs !== undefined
        ? (this.lastAtMs - this.startedAtMs) / 1000
        : 0;
    const molotov = [...this.molotov.values()];
    const molotovCpuS = molotov.reduce((a, b) => a + b.cpuS, 0);
    const waits = molotov.flatMap((p) => (p.waitS === undefined ? [] : [p.waitS]));
    const molotovWaitS = waits.reduce((a, b) => a + b, 0);
    const slices = molotov.reduce((a, b) => a + (b.slices ?? 0), 0);
    const lagCount = this.lag.count;
    return {
      cpu_pct: hostDelta === null ? null : round(hostDelta, 1),
      load_per_core: this.maxLoadPerCore === undefined ? null : round(this.maxLoadPerCore),
      lag_ms_p99: lagCount === 0 ? null : round(Math.min(this.lag.max, this.lag.getValueAtQuantile(0.99))),
      lag_ms_max: lagCount === 0 ? null : round(this.lag.max),
      molotov_cpu_pct: spanS > 0 && molotov.length > 0 ? round((100 * molotovCpuS) / spanS, 1) : null,
      // Per process (molotov -p N runs N event loops), so that the threshold does not depend on -p.
      molotov_wait_pct:
        spanS > 0 && waits.length > 0 ? round((100 * molotovWaitS) / spanS / waits.length, 1) : null,
      molotov_wait_ms_per_slice: slices > 0 ? round((1000 * molotovWaitS) / slices, 3) : null,
      cores: this.cores,
    };
  }
}

/** Whether the load generator was short of CPU or could not keep up, by the measured thresholds. */
export const isSaturated = (runner: RunnerBlock): boolean =>
  (runner.molotov_wait_pct ?? 0) >= SATURATED_WAIT_PCT ||
  (runner.lag_ms_p99 !== null && runner.lag_ms_p99 >= SATURATED_LAG_MS_P99);
