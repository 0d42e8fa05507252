import type { MetricFilter } from "../config/metric-filter.js";
import type { DatadogApi } from "../datadog/types.js";
import type { Deps } from "../state/deps.js";
import type { RunStore } from "../store/types.js";
import type { StoredEntry } from "./outbox.js";
import type { AggregateReport } from "./types.js";

// What a flush of the outbox works with: the store, Datadog, and the report it counts into.

export interface FlushContext {
  store: RunStore;
  api: DatadogApi;
  deps: Pick<Deps, "env" | "clock" | "log" | "signal">;
  owner: string;
  report: AggregateReport;
  /** Entries this call already read or wrote, by path. */
  known?: Map<string, StoredEntry>;
  /** Store requests in flight. */
  concurrency?: number;
  /** Which dogdriver.* metrics a batch entry's runs send (config `metrics`; all when absent). */
  metrics?: MetricFilter;
}
