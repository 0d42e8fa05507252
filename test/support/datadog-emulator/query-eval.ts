import type { QueryNode, SpaceAggregator, TagFilter } from "./query-parser.js";
import type { StoredPoint } from "./types.js";

// Evaluates a parsed query over stored points the way Datadog does: each series is first rolled up into the
// interval's buckets (time aggregation: avg for gauges, sum for counts, unless .rollup() says otherwise), then the
// series of each `by` group are combined per bucket with the space aggregator. Buckets are aligned to multiples of
// the interval since the epoch. `.rollup(agg, seconds)`'s seconds are ignored: the request's interval wins.

export interface Frame {
  fromMs: number;
  toMs: number;
  intervalMs: number;
  /** Bucket start times (ms), aligned to the interval. */
  times: number[];
}

export interface GroupSeries {
  /** ["host:a", "version:1.2"]; empty without `by`. */
  groupTags: string[];
  values: (number | null)[];
}

/** The stored points of one metric. */
export type PointSource = (metric: string) => readonly StoredPoint[];

export type QueryValue = { kind: "scalar"; value: number } | { kind: "series"; series: GroupSeries[] };

// Datadog picks a rollup interval so that a graph shows a few hundred points; these are its usual steps.
const niceIntervalsSeconds = [1, 5, 10, 15, 20, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14400, 86400];
const TARGET_POINTS = 300;

export const frameFor = (fromMs: number, toMs: number, requestedIntervalMs?: number): Frame => {
  const spanMs = Math.max(1, toMs - fromMs);
  const intervalMs =
    requestedIntervalMs !== undefined && requestedIntervalMs >= 1000
      ? Math.max(requestedIntervalMs, Math.ceil(spanMs / 1500 / 1000) * 1000)
      : (niceIntervalsSeconds.find((s) => spanMs / (s * 1000) <= TARGET_POINTS) ?? 86400) * 1000;
  const times: number[] = [];
  for (let t = Math.floor(fromMs / intervalMs) * intervalMs; t < toMs; t += intervalMs) times.push(t);
  return { fromMs, toMs, intervalMs, times };
};

const aggregate = (aggregator: SpaceAggregator, values: number[]): number | null => {
  if (values.length === 0) return null;
  switch (aggregator) {
    case "sum":
      return values.reduce((a, b) => a + b, 0);
    case "min":
      return Math.min(...values);
    case "max":
      return Math.max(...values);
    case "count":
      return values.length;
    default:
      return values.reduce((a, b) => a + b, 0) / values.length;
  }
};

const tagMatches = (tags: readonly string[], filter: TagFilter): boolean => {
  const key = filter.key.toLowerCase();
  const found = tags.some((tag) => {
    if (filter.value === undefined) return tag === key || tag.startsWith(`${key}:`);
    if (!tag.startsWith(`${key}:`)) return false;
    const value = tag.slice(key.length + 1);
    const wanted = key === "host" || key === "device" ? filter.value : filter.value.toLowerCase();
    return wanted.endsWith("*") ? value.startsWith(wanted.slice(0, -1)) : value === wanted;
  });
  return filter.negated ? !found : found;
};

const groupTagsOf = (tags: readonly string[], by: readonly string[]): string[] =>
  by.map((key) => tags.find((t) => t.startsWith(`${key}:`)) ?? `${key}:N/A`);

const evalMetric = (node: Extract<QueryNode, { kind: "metric" }>, frame: Frame, points: PointSource) => {
  const start = frame.times[0] ?? frame.fromMs;
  // series key -> bucket index -> values
  const perSeries = new Map<string, { tags: string[]; type: number; buckets: number[][] }>();
  for (const p of points(node.metric)) {
    const ms = p.timestamp * 1000;
    if (ms < frame.fromMs || ms >= frame.toMs) continue;
    if (!node.filters.every((f) => tagMatches(p.tags, f))) continue;
    const key = p.tags.join(",");
    let entry = perSeries.get(key);
    if (!entry) {
      entry = { tags: p.tags, type: p.type, buckets: frame.times.map(() => []) };
      perSeries.set(key, entry);
    }
    entry.buckets[Math.floor((ms - start) / frame.intervalMs)]?.push(p.value);
  }
  const groups = new Map<string, { groupTags: string[]; rolled: (number | null)[][] }>();
  for (const s of perSeries.values()) {
    const timeAggregator = node.rollup?.aggregator ?? (s.type === 1 ? "sum" : "avg");
    const rolled = s.buckets.map((values) => aggregate(timeAggregator, values));
    const groupTags = groupTagsOf(s.tags, node.by);
    const id = groupTags.join(",");
    const group = groups.get(id) ?? { groupTags, rolled: [] };
    group.rolled.push(rolled);
    groups.set(id, group);
  }
  const series: GroupSeries[] = [...groups.values()]
    .sort((a, b) => a.groupTags.join(",").localeCompare(b.groupTags.join(",")))
    .map((g) => ({
      groupTags: g.groupTags,
      values: frame.times.map((_, i) =>
        aggregate(
          node.space,
          g.rolled.map((r) => r[i]).filter((v): v is number => v !== null && v !== undefined),
        ),
      ),
    }));
  return series;
};

const arithmetic = (op: string, a: number | null, b: number | null): number | null => {
  if (a === null || b === null) return null;
  if (op === "+") return a + b;
  if (op === "-") return a - b;
  if (op === "*") return a * b;
  return b === 0 ? null : a / b;
};

const combine = (op: string, left: QueryValue, right: QueryValue): QueryValue => {
  if (left.kind === "scalar" && right.kind === "scalar") {
    return { kind: "scalar", value: arithmetic(op, left.value, right.value) ?? Number.NaN };
  }
  if (left.kind === "scalar" || right.kind === "scalar") {
    const seriesSide = (left.kind === "series" ? left : right) as Extract<QueryValue, { kind: "series" }>;
    const constant = (left.kind === "scalar" ? left : right) as Extract<QueryValue, { kind: "scalar" }>;
    return {
      kind: "series",
      series: seriesSide.series.map((s) => ({
        groupTags: s.groupTags,
        values: s.values.map((v) =>
          left.kind === "scalar" ? arithmetic(op, constant.value, v) : arithmetic(op, v, constant.value),
        ),
      })),
    };
  }
  // Both sides are series: match groups by their tags; a single ungrouped series applies to every group.
  const rightBy = new Map(right.series.map((s) => [s.groupTags.join(","), s]));
  const lone =
    right.series.length === 1 && right.series[0]?.groupTags.length === 0 ? right.series[0] : undefined;
  return {
    kind: "series",
    series: left.series.flatMap((l) => {
      const r = rightBy.get(l.groupTags.join(",")) ?? lone;
      return r
        ? [{ groupTags: l.groupTags, values: l.values.map((v, i) => arithmetic(op, v, r.values[i] ?? null)) }]
        : [];
    }),
  };
};

export const evaluate = (
  node: QueryNode,
  frame: Frame,
  points: PointSource,
  refs: Record<string, QueryValue> = {},
): QueryValue => {
  switch (node.kind) {
    case "number":
      return { kind: "scalar", value: node.value };
    case "ref": {
      const value = refs[node.name];
      if (!value) throw new Error(`Unknown query name '${node.name}' in formula`);
      return value;
    }
    case "metric":
      return { kind: "series", series: evalMetric(node, frame, points) };
    case "binary":
      return combine(
        node.op,
        evaluate(node.left, frame, points, refs),
        evaluate(node.right, frame, points, refs),
      );
    case "call": {
      const arg = evaluate(node.arg, frame, points, refs);
      if (arg.kind === "scalar")
        return { kind: "scalar", value: node.fn === "abs" ? Math.abs(arg.value) : arg.value };
      if (node.fn === "abs") {
        return {
          kind: "series",
          series: arg.series.map((s) => ({
            ...s,
            values: s.values.map((v) => (v === null ? null : Math.abs(v))),
          })),
        };
      }
      // count_nonzero: how many groups have a non-zero value in each bucket (null when no group has data).
      return {
        kind: "series",
        series: [
          {
            groupTags: [],
            values: frame.times.map((_, i) => {
              const present = arg.series.map((s) => s.values[i]).filter((v) => v !== null && v !== undefined);
              return present.length === 0 ? null : present.filter((v) => v !== 0).length;
            }),
          },
        ],
      };
    }
  }
};

/** A whole window reduced to one number per group (the scalar endpoint's `aggregator`). */
export const reduce = (aggregator: string, values: readonly (number | null)[]): number | null => {
  const present = values.filter((v): v is number => v !== null);
  if (present.length === 0) return null;
  if (aggregator === "last") return present[present.length - 1] ?? null;
  if (aggregator === "mean") return aggregate("avg", present);
  if (aggregator === "area") return aggregate("sum", present);
  if (aggregator === "l2norm") return Math.sqrt(present.reduce((a, v) => a + v * v, 0));
  return aggregate(aggregator as SpaceAggregator, present);
};
