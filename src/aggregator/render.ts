import { formatDuration } from "../config/duration.js";
import { firstFew, listFew } from "../text/first-few.js";
import { plural } from "../text/plural.js";
import type { AggregateReport, PlannedQuery } from "./types.js";
import { eventPayload, seriesPayload } from "./wire-payload.js";

// User-facing wording of `aggregate`: the summary on stderr and the dry-run listing on stdout.

/** The summary: what was done (info) and what needs attention (warnings), for the logger. */
export const summaryLines = (report: AggregateReport): { info: string[]; warnings: string[] } => {
  const { runs, push, calls } = report;
  const lines = [
    `aggregate${report.dry_run ? " (dry run: nothing sent or stored)" : ""}: ${plural(runs.processed.length, "run")} ${report.dry_run ? "would be " : ""}completed, ` +
      `${runs.skipped_fresh} too fresh (settle ${formatDuration(report.settle_ms)}), ` +
      `${runs.claimed_elsewhere} claimed by another aggregator, ${runs.deferred.length} deferred, ${runs.failed.length} failed`,
  ];
  for (const [problems, what] of [
    [runs.deferred, "deferred"],
    [runs.failed, "failed"],
  ] as const) {
    const { few, more } = firstFew(problems);
    for (const p of few) lines.push(`  ${what} ${p.key}: ${p.reason}`);
    if (more > 0) lines.push(`  and ${more} more ${what} (--json lists them all)`);
  }
  if (report.datadog.read || report.datadog.write) {
    lines.push(
      `Datadog calls: ${plural(calls.queries, "query", "queries")}, ${plural(calls.submissions, "metric submission")}, ${plural(calls.events, "event")}; ` +
        `${plural(push.points_sent, "point")} sent, ${push.events_posted.length} posted, outbox: ${push.outbox_pending} pending${push.outbox_elsewhere > 0 ? `, ${push.outbox_elsewhere} being sent by another aggregator` : ""}`,
    );
  }
  const warnings: string[] = [];
  if (push.points_too_old > 0)
    warnings.push(
      `${plural(push.points_too_old, "point")} older than Datadog accepts (1 hour) were not sent; the run records hold them and _dogdriver/too-old/ keeps the payloads (${listFew(push.too_old_entries, ", ")})`,
    );
  if (push.events_too_old.length > 0)
    warnings.push(
      `${plural(push.events_too_old.length, "event")} older than Datadog accepts (18 hours) not posted: ${listFew(push.events_too_old, "; ")}`,
    );
  warnings.push(...report.warnings);
  return { info: lines, warnings };
};

const iso = (ms: number) => new Date(ms).toISOString();

const queryLines = (q: PlannedQuery): string[] => [
  `POST /api/v2/query/timeseries  ${q.service}/${q.env}  ${iso(q.fromMs)} .. ${iso(q.toMs)}  interval ${formatDuration(q.intervalMs)}  (${plural(q.runs.length, "run")})`,
  ...q.queries.map((n) => `  ${n.name}: ${n.query}`),
];

/** The dry run's listing: every query call, then the exact bodies it would send. */
export const dryRunText = (report: AggregateReport): string => {
  const planned = report.planned;
  if (planned === undefined) return "";
  const out = [`# ${plural(planned.queries.length, "query call")}`, ...planned.queries.flatMap(queryLines)];
  if (planned.series.length > 0)
    out.push("# POST /api/v2/series", JSON.stringify(seriesPayload(planned.series), null, 2));
  for (const event of planned.events)
    out.push("# POST /api/v1/events", JSON.stringify(eventPayload(event), null, 2));
  return `${out.join("\n")}\n`;
};

/** --json: the report, with planned payloads in their wire form. */
export const reportJson = (report: AggregateReport): string => {
  const { planned, ...rest } = report;
  const wire =
    planned === undefined
      ? {}
      : {
          planned: {
            queries: planned.queries,
            series: seriesPayload(planned.series),
            events: planned.events.map(eventPayload),
          },
        };
  return `${JSON.stringify({ ...rest, ...wire }, null, 2)}\n`;
};
