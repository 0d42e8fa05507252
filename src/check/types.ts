// Shapes of `dogdriver check`'s findings, shared by its checks and its renderers (docs/check.md).

export type CheckStatus = "ok" | "warn" | "fail";

/** One finding: what was checked, for which service (if any), and what was found. */
export interface CheckResult {
  check: string;
  /** "name/env" for a service's checks. */
  service?: string;
  status: CheckStatus;
  detail: string;
}

/** `check --json`: every finding, the configuration file used (null: none found) and the Datadog URL used. */
export interface CheckReport {
  ok: boolean;
  config: string | null;
  datadog_url: string;
  checks: CheckResult[];
}
