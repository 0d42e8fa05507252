import { EVENT_KIND_TAG_KEY, type EventKind, LOCATION_TAG_KEY } from "../datadog/tag-names.js";
import { METRIC_TAG } from "./metric-names.js";

// The query pieces every widget shares: the template-variable scope, the grouping and the per-run rollup.

export const TEMPLATE_VARIABLES = ["service", "env", LOCATION_TAG_KEY, "version"] as const;

const SCOPE = TEMPLATE_VARIABLES.map((name) => `$${name}`).join(",");

/** Per run, one series per service/env/location: runs are only comparable within a source (docs/contract.md). */
export const RUN_GROUP = `service,env,${LOCATION_TAG_KEY}`;
export const RELEASE_GROUP = `${RUN_GROUP},version`;

/** `{$service,$env,$location,$version}`, or with a fixed `metric:` filter first for the release metrics. */
export const scope = (metricTag?: string): string =>
  metricTag === undefined ? `{${SCOPE}}` : `{${METRIC_TAG}:${metricTag.toLowerCase()},${SCOPE}}`;

/** A per-run gauge, averaged within buckets one run period wide (see run-interval.ts). */
export const perRun = (metric: string, intervalSeconds: number, group = RUN_GROUP): string =>
  `avg:${metric}${scope()} by {${group}}.rollup(avg, ${intervalSeconds})`;

const OVERLAID: EventKind[] = ["release", "verdict"];

/**
 * The overlays: the release and the verdict events of the selected services, one search per kind (a list of
 * searches needs no boolean syntax). Run start/stop events stay searchable but are not drawn: two markers per run
 * would bury the releases. Release and verdict events carry service and env, not location.
 */
export const RELEASE_EVENTS: string[] = OVERLAID.map(
  (kind) => `tags:${EVENT_KIND_TAG_KEY}:${kind} service:$service.value env:$env.value`,
);
