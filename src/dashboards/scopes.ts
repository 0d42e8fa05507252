import { EVENT_TAG, METRIC_TAG } from "./metric-names.js";

// The query pieces every widget shares: the template-variable scope, the grouping and the per-run rollup.

export const TEMPLATE_VARIABLES = ["service", "env", "source", "version"] as const;

const SCOPE = TEMPLATE_VARIABLES.map((name) => `$${name}`).join(",");

/** Per run, one series per service/env/source: runs are only comparable within a source (docs/contract.md). */
export const RUN_GROUP = "service,env,source";
export const RELEASE_GROUP = "service,env,source,version";

/** `{$service,$env,$source,$version}`, or with a fixed `metric:` filter first for the release metrics. */
export const scope = (metricTag?: string): string =>
  metricTag === undefined ? `{${SCOPE}}` : `{${METRIC_TAG}:${metricTag.toLowerCase()},${SCOPE}}`;

/** A per-run gauge, averaged within buckets one run period wide (see run-interval.ts). */
export const perRun = (metric: string, intervalSeconds: number, group = RUN_GROUP): string =>
  `avg:${metric}${scope()} by {${group}}.rollup(avg, ${intervalSeconds})`;

/** The release and verdict events of the selected services (events carry service and env, not source). */
export const RELEASE_EVENTS = `tags:${EVENT_TAG} service:$service.value env:$env.value`;
