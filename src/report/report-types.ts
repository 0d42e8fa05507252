import type { Comparison } from "../verdicts/types.js";

// What `dogdriver report` computes once and every renderer (table, Markdown, JSON, HTML) shows.

/** A service/env that has runs but nothing to compare yet (a single release). */
export interface Skipped {
  service: string;
  env: string;
  test: string;
  version: string;
  runs: number;
  reason: string;
}

/** One run's point on the HTML trend chart. */
export interface TrendPoint {
  startedMs: number;
  value: number;
  version: string;
  source: string;
  /** Left out of comparisons (flagged or failed): drawn hollow. */
  excluded: boolean;
}

export interface ServiceTrend {
  service: string;
  env: string;
  points: TrendPoint[];
  /** Each release's first run, oldest first. */
  releases: { version: string; firstSeenMs: number }[];
  /** Per endpoint of the runs (client.endpoints, "other" aside), its p95 in each run; most requests first. */
  endpoints: { name: string; points: TrendPoint[] }[];
}

export interface Report {
  comparisons: Comparison[];
  /** With --history: every release against the release before it, oldest pair first per service. */
  history?: Comparison[];
  skipped: Skipped[];
  /** Runs read from the store (after the SERVICE filter). */
  runs: number;
  /** Records the store could not read. */
  invalid: number;
}
