import type { ServiceConfig } from "../config/types.js";
import type { DatadogApi } from "../datadog/types.js";
import type { RunRecord } from "../store/run-record.js";
import type { RunStore } from "../store/types.js";

// Shapes shared by the runner's modules. Times are epoch milliseconds, latencies milliseconds.

/** One HTTP request as dogdriver's Molotov extension logged it (extension/dogdriver_ext.py). */
export interface RequestSample {
  startedAtMs: number;
  method: string;
  path: string;
  /** Undefined when no response arrived. */
  status?: number;
  latencyMs: number;
  /** The exception when no response arrived ("cancelled" when molotov cancelled it at shutdown). */
  error?: string;
  /** The name the scenario gave the request (its X-Dogdriver-Name header), when it gave one. */
  name?: string;
}

/** Scenario runs (molotov's "steps") that completed and that raised. */
export interface ScenarioSteps {
  ok: number;
  failed: number;
}

/** The extension's lines other than requests. Times are epoch milliseconds. */
export interface CaptureEvents {
  /** A scenario run raised (an assertion, an exception); `message` is cleaned and at most 200 characters. */
  failure?(atMs: number, message: string): void;
  /** How late a 50 ms timer of the load generator's event loop fired. */
  lag?(atMs: number, lagMs: number): void;
}

/** Molotov's counters (scenario runs, not requests), as `main()` returns them. */
export interface MolotovCounters {
  OK: number;
  FAILED: number;
  SETUP_FAILED: number;
  SESSION_SETUP_FAILED: number;
  [key: string]: number;
}

/** A test ready to run: the directory, the scenario, molotov's flags and environment. */
export interface TestPlan {
  /** Directory molotov runs in (a checkout or the configured local directory). */
  dir: string;
  /** The scenario as molotov.json names it (a file relative to `dir`, or a module name). */
  scenario: string;
  /** Molotov flags, the scenario and dogdriver's extension excluded. */
  flags: string[];
  /** Extensions the test itself asked for (molotov.json `use_extension`), loaded after dogdriver's. */
  extensions: string[];
  /** `env` from molotov.json. */
  env: Record<string, string>;
  /** Requirements file (absolute), when molotov.json names one. */
  requirements?: string;
  /** Load duration molotov was asked for (ramp-up included), when known: for progress and the default timeout. */
  expectedMs?: number;
  /** molotov.json `duration` when nothing else (max_runs, single_run) may end the test sooner. */
  durationMs?: number;
  /** molotov.json `fail`: the run fails when this many scenario runs failed. */
  failThreshold?: number;
  /** Where the options came from, for messages ("…/molotov.json, test \"dogdriver\""). */
  origin: string;
}

/** Everything the runner reaches outside the process; tests and the demo replace parts of it. */
export interface RunnerParts {
  openStore(url: string): RunStore;
  /** Datadog for discovery from the Software Catalog; undefined without `discover.datadog` or keys. */
  datadog(): Promise<DatadogApi | undefined>;
  /** The Python that has molotov installed. */
  python: string;
  /** Where git checkouts and virtualenvs are kept between runs. */
  cacheDir: string;
  /** Where records wait when the store cannot be written. */
  spoolDir: string;
  /** Waits between further tries of a record the store refused, before it is spooled (none: spool at once). */
  storeRetryDelaysMs: readonly number[];
  /** Absolute path of extension/dogdriver_ext.py. */
  extensionPath: string;
  /** Time molotov gets to exit after SIGTERM before its process group is killed. */
  killGraceMs: number;
}

/** Where a finished record went: "stdout" when neither the store nor the spool took it (printed as JSON). */
export type StoredIn = "store" | "spool" | "stdout";

/** What running one service produced: a record (pending or failed), or an error before any load. */
export type ServiceResult =
  | { service: ServiceConfig; record: RunRecord; stored: StoredIn }
  | { service: ServiceConfig; error: Error };
