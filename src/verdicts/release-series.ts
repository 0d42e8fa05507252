import {
  RELEASE_CHANGE_PCT,
  RELEASE_ENDPOINT_CHANGE_PCT,
  RELEASE_ENDPOINT_VERDICT,
  RELEASE_VERDICT,
} from "../dashboards/metric-names.js";
import { endpointTag } from "../datadog/endpoint-tag.js";
import { locationTag } from "../datadog/tag-names.js";
import type { MetricSeries } from "../datadog/types.js";
import type { Comparison, Verdict } from "./types.js";
import { ALL_SOURCES } from "./verdict-settings.js";

// What the aggregator pushes to Datadog for each comparison (docs/contract.md "Datadog metrics and events"):
// dogdriver.release.change_pct and dogdriver.release.verdict, tagged like every dogdriver series plus metric:.
// A comparison of one endpoint goes to dogdriver.release.endpoint.* instead, also tagged endpoint:, so the
// service-level monitors and widgets (which read dogdriver.release.*{metric:...}) never take it in.

const VERDICT_VALUE: Record<Verdict, number | undefined> = {
  regression: 1,
  improvement: -1,
  no_change: 0,
  // Not a 0: "we cannot tell yet" must not read as "unchanged" on a monitor or a graph.
  insufficient_data: undefined,
};

/** The tags of a comparison's series: service, env, version (the candidate), location, test, metric[, endpoint]. */
export const releaseTags = (c: Comparison): string[] => [
  `service:${c.service}`,
  `env:${c.env}`,
  `version:${c.candidate.version}`,
  locationTag(c.source),
  `test:${c.test}`,
  `metric:${c.metric}`,
  ...(c.endpoint === undefined ? [] : [endpointTag(c.endpoint)]),
];

/**
 * The dogdriver.release.* series of comparisons, one point each at `timestampMs` (default: the comparison's
 * as_of_ms, the newest candidate run). change_pct is sent whenever it is known; verdict only once decided
 * (regression 1, improvement -1, no_change 0; nothing for insufficient_data).
 */
export const releaseSeries = (comparisons: readonly Comparison[], timestampMs?: number): MetricSeries[] =>
  comparisons.flatMap((c) => {
    const tags = releaseTags(c);
    const at = timestampMs ?? c.as_of_ms;
    const [changeMetric, verdictMetric] =
      c.endpoint === undefined
        ? [RELEASE_CHANGE_PCT, RELEASE_VERDICT]
        : [RELEASE_ENDPOINT_CHANGE_PCT, RELEASE_ENDPOINT_VERDICT];
    const out: MetricSeries[] = [];
    if (c.change_pct !== null)
      out.push({
        metric: changeMetric,
        type: "gauge",
        unit: "percent",
        tags,
        points: [{ timestampMs: at, value: c.change_pct }],
      });
    const verdict = VERDICT_VALUE[c.verdict];
    if (verdict !== undefined)
      out.push({
        metric: verdictMetric,
        type: "gauge",
        tags,
        points: [{ timestampMs: at, value: verdict }],
      });
    return out;
  });

/** A release's verdict over all its metrics: what a verdict event announces. */
export interface ReleaseVerdict {
  service: string;
  env: string;
  test: string;
  baseline: string;
  candidate: string;
  /** regression when any metric regressed, else improvement when any improved, else no_change. */
  verdict: Exclude<Verdict, "insufficient_data">;
  /** The decided comparisons behind it (over all sources when there are several), the endpoints' too. */
  comparisons: Comparison[];
  /** Endpoints compared for this release (those that moved are among `comparisons`). */
  endpoints: number;
  /** Of those, the ones that did not move and whose p95 was decided no_change (the rest are undecided). */
  unchangedEndpoints: number;
  /** What the comparisons' change_ci_pct are, for the event ("95% CI" when unset: the fixed-sample verdict's). */
  intervalLabel?: string;
  as_of_ms: number;
}

const overall = (comparisons: readonly Comparison[]): ReleaseVerdict["verdict"] =>
  comparisons.some((c) => c.verdict === "regression")
    ? "regression"
    : comparisons.some((c) => c.verdict === "improvement")
      ? "improvement"
      : "no_change";

/**
 * One verdict per release (service/env/test and candidate), from its decided comparisons; releases with no decided
 * metric yet have none. With several sources the combined "all" comparisons speak for the release (the per-source
 * ones feed the monitors). One event per release keeps the event stream readable: a metric-by-metric event
 * stream would post half a dozen events for every decision. An endpoint's regression or improvement (after the
 * family's correction, endpoint-family.ts) is one of the release's: a release that made one call slower regressed.
 */
export const releaseVerdicts = (comparisons: readonly Comparison[]): ReleaseVerdict[] => {
  const groups = new Map<string, Comparison[]>();
  for (const c of comparisons) {
    const key = `${c.service}/${c.env}/${c.test}/${c.candidate.version}`;
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [c]);
    else group.push(c);
  }
  return [...groups.values()].flatMap((group) => {
    const combined = group.some((c) => c.source === ALL_SOURCES)
      ? group.filter((c) => c.source === ALL_SOURCES)
      : group;
    // An endpoint's no_change says nothing of the release that its service rows do not.
    const decided = combined.filter(
      (c) => isDecided(c) && (c.endpoint === undefined || c.verdict !== "no_change"),
    );
    const first = decided[0];
    if (first === undefined) return [];
    const endpoints = new Set(combined.flatMap((c) => (c.endpoint === undefined ? [] : [c.endpoint]))).size;
    const moved = new Set(decided.flatMap((c) => (c.endpoint === undefined ? [] : [c.endpoint])));
    const unchangedEndpoints = new Set(
      combined.flatMap((c) =>
        c.endpoint !== undefined &&
        !moved.has(c.endpoint) &&
        c.metric === "client.latency_ms.p95" &&
        c.verdict === "no_change"
          ? [c.endpoint]
          : [],
      ),
    ).size;
    return [
      {
        service: first.service,
        env: first.env,
        test: first.test,
        baseline: first.baseline.version,
        candidate: first.candidate.version,
        verdict: overall(decided),
        comparisons: decided,
        endpoints,
        unchangedEndpoints,
        as_of_ms: Math.max(...decided.map((c) => c.as_of_ms)),
      },
    ];
  });
};

/** The identity of a release verdict: keep the last verdict posted per identity, post when it differs. */
export const verdictIdentity = (r: ReleaseVerdict): string =>
  `${r.service}/${r.env}/${r.test}/${r.candidate}`;

/** True when a comparison's verdict is decided (insufficient_data is not). */
export const isDecided = (c: Comparison): boolean => c.verdict !== "insufficient_data";
