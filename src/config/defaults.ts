// Defaults and limits the configuration is checked against, kept with the configuration: the areas that apply
// them (verdicts, runner, aggregator) import them from here, and the configuration imports nothing from them.

/** The verdict engine's defaults: CompareOptions left unset (docs/verdicts.md; the report's footnotes quote them). */
export const VERDICT_DEFAULTS = {
  alpha: 0.0075,
  thresholdPct: 3,
  detectPct: 10,
  minRuns: 3,
  combineSources: true,
  changePoints: true,
  endpoints: true,
};

/** The limit for a test whose molotov.json gives no duration; `check` also assumes it when test.timeout is unset. */
export const TIMEOUT_UNKNOWN_DURATION_MS = 30 * 60_000;

// Datadog ingests metric points up to one hour old and answers 202 while it silently drops older ones
// (DATADOG-NOTES.md §2); events may be up to 18 hours old. The margins cover clock skew between this machine and
// Datadog and the time a submission spends in flight. The aggregator never sends what would be dropped
// (src/aggregator/stale-points.ts); the configuration warns when a schedule cannot meet the limit.
export const MAX_POINT_AGE_MS = 55 * 60_000;
export const MAX_EVENT_AGE_MS = 17 * 3_600_000;
