import { v2 } from "@datadog/datadog-api-client";
import { errorReply, type Reply } from "./http-io.js";
import { hasUnparsed, modelError } from "./model-check.js";
import {
  evaluate,
  type Frame,
  frameFor,
  type GroupSeries,
  type PointSource,
  type QueryValue,
  reduce,
} from "./query-eval.js";
import { parseQuery, type QueryNode, QuerySyntaxError } from "./query-parser.js";

// The three metric query endpoints, answered from stored points with Datadog's wire shapes (snake_case).
// v2 takes from/to in milliseconds, v1 in seconds and answers pointlists in milliseconds.

const asSeries = (value: QueryValue, frame: Frame): GroupSeries[] =>
  value.kind === "series" ? value.series : [{ groupTags: [], values: frame.times.map(() => value.value) }];

const firstMetric = (node: QueryNode): Extract<QueryNode, { kind: "metric" }> | undefined => {
  if (node.kind === "metric") return node;
  if (node.kind === "binary") return firstMetric(node.left) ?? firstMetric(node.right);
  if (node.kind === "call") return firstMetric(node.arg);
  return undefined;
};

const badQuery = (error: unknown): Reply => {
  if (error instanceof QuerySyntaxError || error instanceof Error) return errorReply(400, error.message);
  throw error;
};

interface NamedQueries {
  from: number;
  to: number;
  queries: { name: string; query: string; aggregator?: string }[];
  formulas: string[];
}

const readRequest = (body: unknown, model: string): NamedQueries | Reply => {
  let request: v2.TimeseriesFormulaQueryRequest | v2.ScalarFormulaQueryRequest;
  try {
    request = v2.ObjectSerializer.deserialize(body, model, "");
  } catch (error) {
    return errorReply(400, `Invalid request: ${modelError(error)}`);
  }
  if (hasUnparsed(request)) return errorReply(400, "Invalid request: unsupported query or data source");
  const a = request.data.attributes;
  if (a.from >= a.to) return errorReply(400, "Invalid request: 'from' must be before 'to'");
  const queries = a.queries.map((q) => {
    const metrics = q as v2.MetricsScalarQuery;
    return {
      name: metrics.name ?? "",
      query: metrics.query,
      aggregator: metrics.aggregator as string | undefined,
    };
  });
  return { from: a.from, to: a.to, queries, formulas: (a.formulas ?? []).map((f) => f.formula) };
};

/** Evaluates every named query, then every formula over them (or the queries themselves without formulas). */
const outputs = (req: NamedQueries, frame: Frame, points: PointSource) => {
  const refs: Record<string, QueryValue> = {};
  const byQuery = req.queries.map((q) => {
    const value = evaluate(parseQuery(q.query), frame, points);
    refs[q.name] = value;
    return { name: q.name, value };
  });
  if (req.formulas.length === 0) return byQuery;
  return req.formulas.map((f) => ({ name: f, value: evaluate(parseQuery(f, true), frame, points, refs) }));
};

export const timeseriesQuery = (body: unknown, points: PointSource): Reply => {
  const req = readRequest(body, "TimeseriesFormulaQueryRequest");
  if ("status" in req) return req;
  const interval = (body as { data?: { attributes?: { interval?: number } } }).data?.attributes?.interval;
  const frame = frameFor(req.from, req.to, interval);
  try {
    const series: { group_tags: string[]; query_index: number; unit: null }[] = [];
    const values: (number | null)[][] = [];
    outputs(req, frame, points).forEach((out, index) => {
      for (const s of asSeries(out.value, frame)) {
        series.push({ group_tags: s.groupTags, query_index: index, unit: null });
        values.push(s.values);
      }
    });
    return {
      status: 200,
      body: { data: { type: "timeseries_response", attributes: { times: frame.times, values, series } } },
    };
  } catch (error) {
    return badQuery(error);
  }
};

export const scalarQuery = (body: unknown, points: PointSource): Reply => {
  const req = readRequest(body, "ScalarFormulaQueryRequest");
  if ("status" in req) return req;
  const frame = frameFor(req.from, req.to);
  try {
    // Each query's series is reduced with its own aggregator; formulas then combine the reduced values.
    const reducedFrame: Frame = { ...frame, times: [frame.fromMs] };
    const refs: Record<string, QueryValue> = {};
    const reduced = req.queries.map((q) => {
      const series = asSeries(evaluate(parseQuery(q.query), frame, points), frame).map((s) => ({
        groupTags: s.groupTags,
        values: [reduce(q.aggregator ?? "avg", s.values)],
      }));
      refs[q.name] = { kind: "series", series };
      return { name: q.name, series };
    });
    const outs =
      req.formulas.length === 0
        ? reduced
        : req.formulas.map((f) => ({
            name: f,
            series: asSeries(
              evaluate(parseQuery(f, true), reducedFrame, () => [], refs),
              reducedFrame,
            ),
          }));
    const rows = [...new Set(outs.flatMap((o) => o.series.map((s) => s.groupTags.join(","))))].sort();
    const grouped = rows.some((r) => r !== "");
    const columns: unknown[] = [];
    if (grouped) {
      const keys = outs.flatMap((o) => o.series).find((s) => s.groupTags.length > 0)?.groupTags ?? [];
      columns.push({
        name: keys.map((t) => t.split(":")[0]).join(","),
        type: "group",
        values: rows.map((r) => r.split(",").map((t) => t.slice(t.indexOf(":") + 1))),
      });
    }
    for (const o of outs) {
      const byRow = new Map(o.series.map((s) => [s.groupTags.join(","), s.values[0] ?? null]));
      columns.push({
        name: o.name,
        type: "number",
        // An ungrouped query without data has no row: `values: []`, as in Datadog's recorded answers
        // (datadog-api-client-go, tests/scenarios/cassettes/TestScenarios/v2/Feature_Metrics). A null is a group
        // that has no data in this query but has some in another.
        values: grouped
          ? rows.map((r) => byRow.get(r) ?? null)
          : byRow.has("")
            ? [byRow.get("") ?? null]
            : [],
        meta: { unit: null },
      });
    }
    return { status: 200, body: { data: { type: "scalar_response", attributes: { columns } } } };
  } catch (error) {
    return badQuery(error);
  }
};

export const v1Query = (query: Record<string, string>, points: PointSource): Reply => {
  const from = Number(query.from);
  const to = Number(query.to);
  if (!query.query || !Number.isFinite(from) || !Number.isFinite(to)) {
    return errorReply(400, "The parameters 'from', 'to' and 'query' are required");
  }
  const frame = frameFor(from * 1000, to * 1000);
  try {
    const node = parseQuery(query.query);
    const metric = firstMetric(node);
    const series = asSeries(evaluate(node, frame, points), frame).map((s) => {
      const pointlist = frame.times.flatMap((t, i) => {
        const v = s.values[i];
        return v === null || v === undefined ? [] : [[t, v]];
      });
      const scope = [
        ...(metric?.filters ?? []).map(
          (f) => `${f.negated ? "!" : ""}${f.key}${f.value === undefined ? "" : `:${f.value}`}`,
        ),
        ...s.groupTags,
      ];
      return {
        metric: metric?.metric ?? "",
        display_name: metric?.metric ?? "",
        expression: query.query,
        scope: scope.length > 0 ? scope.join(",") : "*",
        tag_set: s.groupTags,
        aggr: metric?.space ?? null,
        pointlist,
        start: pointlist[0]?.[0] ?? frame.fromMs,
        end: (pointlist[pointlist.length - 1]?.[0] ?? frame.toMs) + frame.intervalMs - 1000,
        interval: frame.intervalMs / 1000,
        length: pointlist.length,
        query_index: 0,
        unit: null,
      };
    });
    return {
      status: 200,
      body: {
        status: "ok",
        res_type: "time_series",
        query: query.query,
        from_date: from * 1000,
        to_date: to * 1000,
        group_by: metric?.by ?? [],
        series: series.filter((s) => s.length > 0),
      },
    };
  } catch (error) {
    return badQuery(error);
  }
};
