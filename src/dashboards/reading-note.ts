import type { DashboardInput } from "./types.js";

/** The note at the top of the dashboard: how to read it, and when not to trust what it shows. */
export const readingNote = (input: DashboardInput): string =>
  [
    "## Is it getting slower or faster with this release?",
    "",
    "Every bar or point is **one dogdriver load-test run** (the same small Molotov test, run on a schedule " +
      `about every ${Math.round(input.runIntervalSeconds / 60)} min) against the deployed service. ` +
      "The event overlays are dogdriver events: a **release** (a version seen for the first time) and a " +
      "**verdict** (a release judged slower, faster or unchanged against the one before it); the runs' own " +
      "start and stop events are not drawn (search `tags:dogdriver_event:run_end`).",
    "",
    "- **Latency per run**: look for a step that starts at a release overlay. The coloured bars change colour " +
      "at each release.",
    "- **Releases by version**: runs per version, the mean of the per-run p95, the change against the " +
      `previous release on \`${input.alerts.regressionMetric}\` and the verdict (1 slower, -1 faster, 0 same). ` +
      `A change at or above ${input.alerts.regressionPct}% with a regression verdict alerts.`,
    "- The verdict is dogdriver's statistical test on the runs (`dogdriver report` shows it with its interval " +
      "and p-value); the charts alone do not tell noise from change.",
    "",
    "**Caveats**",
    "- Compare like with like: pick one `location` (where the runner runs, the configuration's `source`). Latency from two locations differs.",
    "- A release needs enough runs before its verdict means anything: `insufficient_data` is not `no_change`.",
    "- Runs during a topology change (autoscaling, a deploy in progress) are flagged and left out of the " +
      "verdict, but still drawn here: a lone outlier is often one of them.",
    "- The error rate is the load test's, not production's.",
  ].join("\n");
