import { MAX_POINT_AGE_MS } from "../config/defaults.js";
import type { MetricSeries } from "../datadog/types.js";

// Datadog ingests metric points up to one hour old and silently drops older ones; events may be up to 18 hours
// old (the limits: src/config/defaults.ts). The aggregator never sends what would be dropped: a run's gauges whose start time is past the limit are kept in the store instead (_dogdriver/too-old/) and
// reported loudly, and they are never moved to a later time, which would draw the run where it did not happen
// (docs/aggregator.md, "Points older than Datadog accepts"). The margins cover clock skew between this machine
// and Datadog and the time a submission spends in flight.

export interface AgeSplit {
  fresh: MetricSeries[];
  tooOld: MetricSeries[];
}

/** Splits series into the points Datadog will ingest now and those it would drop. */
export const splitByAge = (series: readonly MetricSeries[], nowMs: number): AgeSplit => {
  const oldestMs = nowMs - MAX_POINT_AGE_MS;
  const fresh: MetricSeries[] = [];
  const tooOld: MetricSeries[] = [];
  for (const s of series) {
    const young = s.points.filter((p) => p.timestampMs >= oldestMs);
    const old = s.points.filter((p) => p.timestampMs < oldestMs);
    if (young.length > 0) fresh.push({ ...s, points: young });
    if (old.length > 0) tooOld.push({ ...s, points: old });
  }
  return { fresh, tooOld };
};

/** Release values describe the verdict as of now: they are stamped when they are sent. */
export const stampAt = (series: readonly MetricSeries[], nowMs: number): MetricSeries[] => {
  const timestampMs = Math.floor(nowMs / 1000) * 1000;
  return series.map((s) => ({ ...s, points: s.points.map((p) => ({ ...p, timestampMs })) }));
};

export const countPoints = (series: readonly MetricSeries[]): number =>
  series.reduce((n, s) => n + s.points.length, 0);
