import type { Sequential } from "./sequential.js";

// Release verdicts: the shapes compareReleases returns. The fields named in docs/contract.md's `report --json` keep
// their contract names (snake_case); everything else is an addition that the contract allows.

export type Verdict = "regression" | "improvement" | "no_change" | "insufficient_data";

/** Which way is worse for a metric: latency and error rate up is worse, throughput up is better. */
export type Direction = "higher_is_worse" | "higher_is_better";

/** Relative metrics are compared as log-ratios; metrics that can be 0 (error rate) as differences. */
export type Scale = "log" | "linear";

export interface ReleaseSide {
  version: string;
  /** Runs that entered the comparison. */
  runs: number;
  /** Median of those runs' values (null without runs). */
  median: number | null;
  /** Earliest started_at of any run of this release: what orders releases. */
  first_seen: string;
  /** Runs left out because they carry topology_changed, version_changed or runner_saturated. */
  flagged: number;
  /** Of those, runs whose runner was saturated (flag runner_saturated): the runner's noise, not the release's. */
  saturated?: number;
  /** Runs in state "failed". */
  failed: number;
  /** Runs set aside as noisy-neighbour outliers (beyond 3.5 robust SDs on the worse side, 5 on the better, from their source and release level). */
  outliers: number;
}

/** A shift inside one release's series that no deploy explains (configuration, infrastructure). */
export interface ChangePoint {
  version: string;
  /** started_at of the first run after the shift. */
  at: string;
  /** Runs before and after the shift within the release. */
  runs_before: number;
  runs_after: number;
  change_pct: number | null;
  p_value: number;
}

export interface Comparison {
  service: string;
  env: string;
  /** A runner location, or "all": every source at once, each with its own level (the source + release fit). */
  source: string;
  test: string;
  /** The field's dotted path in the run record: client.latency_ms.p95, client.error_rate, server.cpu_pct. */
  metric: string;
  /** The endpoint ("POST /api/cart") of a per-endpoint comparison; absent on the service's own comparisons. */
  endpoint?: string;
  direction: Direction;
  scale: Scale;
  baseline: ReleaseSide;
  candidate: ReleaseSide;
  /** Estimated change, candidate vs baseline, in percent of the baseline (null when the baseline is 0). */
  change_pct: number | null;
  /** 95% confidence interval of change_pct; with `sequential` (verify), its anytime-valid confidence sequence. */
  change_ci_pct: [number, number] | null;
  verdict: Verdict;
  p_value: number | null;
  /** Run-to-run noise (robust SD of one run, percent for log-scale metrics, metric units for linear ones). */
  noise: number | null;
  /** Further candidate runs that would detect a `detectPct` change at this noise (null: unknown or unreachable). */
  runs_needed: number | null;
  /** Why this verdict, in one human line. */
  reason: string;
  change_points: ChangePoint[];
  /** started_at (ms) of the newest candidate run: the time the verdict is "as of". */
  as_of_ms: number;
  /**
   * What decided the verdict: this source's runs ("source"), or the comparison over every source, each with its
   * own level ("all_sources": the "all" row itself, and a source's row its own runs cannot decide). Absent in
   * comparisons made before this field existed: read it as "source".
   */
  basis?: Basis;
  /**
   * The guards that doubted the estimate (docs/verdicts.md, steps 5-6), when any fired: the verdict stands only
   * when both readings of each one's doubtful runs agree.
   */
  guards?: GuardName[];
}

export type Basis = "source" | "all_sources";

/**
 * influence: one run carries over 40% of the estimate; outlier_share: over a third of a side's runs are
 * outliers; better_side_run: a run far on the better side; scatter: a short side scatters beyond the noise.
 */
export type GuardName = "influence" | "outlier_share" | "better_side_run" | "scatter";

export interface CompareOptions {
  /** Two-sided significance level for regression/improvement. Default 0.004. */
  alpha?: number;
  /** Practical significance: smaller changes are never a regression or improvement. Default 3 (%). */
  thresholdPct?: number;
  /** The change the method must detect: drives runs_needed and "no_change" (CI within ±detectPct). Default 10. */
  detectPct?: number;
  /** A service's own detectPct (config services[].equivalence_pct), or undefined for the default above. */
  detectPctOf?: (service: string, env: string) => number | undefined;
  /** Fewer runs than this on either side: insufficient_data. Default 3. */
  minRuns?: number;
  /** Only these metrics (dotted paths); default: every comparable metric found. */
  metrics?: readonly string[];
  /** Also compare over all sources at once (source "all") when there are several. Default true. */
  combineSources?: boolean;
  /** Look for change points within the baseline and candidate series. Default true. */
  changePoints?: boolean;
  /** Also compare each endpoint of the runs' client.endpoints (endpoint-values.ts). Default true. */
  endpoints?: boolean;
  /**
   * Judge each comparison as one look of a sequential test (dogdriver verify): the anytime-valid confidence
   * sequence of sequential.ts at level 1 - alpha instead of the t test and its 95% interval.
   */
  sequential?: Sequential;
}
