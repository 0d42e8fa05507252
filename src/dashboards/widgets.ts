import type { Json, JsonObject } from "./types.js";

// Small builders for the widget JSON the dashboard uses (formula-and-function requests, Datadog's current form).

export interface MetricQuery {
  name: string;
  query: string;
  /** Scalar widgets reduce the series over the time frame with this. */
  aggregator?: "avg" | "min" | "max" | "sum" | "last";
}

export interface Formula {
  formula: string;
  alias?: string;
  conditionalFormats?: JsonObject[];
}

const metricQueries = (queries: MetricQuery[]): JsonObject[] =>
  queries.map((q) => ({
    data_source: "metrics",
    name: q.name,
    query: q.query,
    ...(q.aggregator === undefined ? {} : { aggregator: q.aggregator }),
  }));

const formulas = (list: Formula[]): JsonObject[] =>
  list.map((f) => ({
    formula: f.formula,
    ...(f.alias === undefined ? {} : { alias: f.alias }),
    ...(f.conditionalFormats === undefined ? {} : { conditional_formats: f.conditionalFormats }),
  }));

export interface TimeseriesRequest {
  queries: MetricQuery[];
  formulas: Formula[];
  displayType: "line" | "bars" | "area";
  palette?: string;
  lineWidth?: "thin" | "normal" | "thick";
}

export interface TimeseriesOptions {
  title: string;
  requests: TimeseriesRequest[];
  /** Event search queries drawn as overlays (release and verdict events). */
  events?: string[];
  /** Horizontal lines: `y = 10` with a display type such as "error dashed". */
  markers?: { value: string; displayType: string; label: string }[];
  yLabel?: string;
}

export const timeseries = (options: TimeseriesOptions): JsonObject => ({
  definition: {
    type: "timeseries",
    title: options.title,
    show_legend: true,
    legend_layout: "auto",
    legend_columns: ["avg", "min", "max", "value"],
    requests: options.requests.map((r) => ({
      response_format: "timeseries",
      queries: metricQueries(r.queries),
      formulas: formulas(r.formulas),
      display_type: r.displayType,
      style: {
        palette: r.palette ?? "dog_classic",
        line_type: "solid",
        line_width: r.lineWidth ?? "normal",
      },
    })),
    ...(options.events === undefined
      ? {}
      : { events: options.events.map((q) => ({ q, tags_execution: "and" })) }),
    ...(options.markers === undefined
      ? {}
      : {
          markers: options.markers.map((m) => ({
            value: m.value,
            display_type: m.displayType,
            label: m.label,
          })),
        }),
    yaxis: { include_zero: true, ...(options.yLabel === undefined ? {} : { label: options.yLabel }) },
  },
});

export interface ScalarOptions {
  title: string;
  queries: MetricQuery[];
  formulas: Formula[];
}

export const queryTable = (options: ScalarOptions): JsonObject => ({
  definition: {
    type: "query_table",
    title: options.title,
    has_search_bar: "auto",
    requests: [
      {
        response_format: "scalar",
        queries: metricQueries(options.queries),
        formulas: formulas(options.formulas),
      },
    ],
  },
});

export const queryValue = (options: ScalarOptions & { precision?: number }): JsonObject => ({
  definition: {
    type: "query_value",
    title: options.title,
    autoscale: false,
    precision: options.precision ?? 0,
    requests: [
      {
        response_format: "scalar",
        queries: metricQueries(options.queries),
        formulas: formulas(options.formulas),
      },
    ],
  },
});

export interface ToplistOptions {
  title: string;
  query: MetricQuery;
  formula: Formula;
  /** The most rows shown, largest value first. */
  rows: number;
}

export const toplist = (options: ToplistOptions): JsonObject => ({
  definition: {
    type: "toplist",
    title: options.title,
    requests: [
      {
        response_format: "scalar",
        queries: metricQueries([options.query]),
        formulas: formulas([options.formula]).map((f) => ({
          ...f,
          limit: { count: options.rows, order: "desc" },
        })),
      },
    ],
  },
});

export const note = (content: string): JsonObject => ({
  definition: {
    type: "note",
    content,
    background_color: "white",
    font_size: "14",
    text_align: "left",
    vertical_align: "top",
    show_tick: false,
    has_padding: true,
  },
});

export const monitorStatus = (title: string, query: string): JsonObject => ({
  definition: {
    type: "manage_status",
    title,
    query,
    summary_type: "monitors",
    display_format: "countsAndList",
    color_preference: "text",
    hide_zero_counts: true,
    show_last_triggered: true,
    show_priority: false,
    sort: "status,asc",
  },
});

export const group = (title: string, widgets: JsonObject[]): JsonObject => ({
  definition: {
    type: "group",
    title,
    layout_type: "ordered",
    show_title: true,
    widgets: widgets as Json[],
  },
});

/** Conditional format: `comparator value` paints the cell with `palette`. */
export const when = (
  comparator: ">" | ">=" | "<" | "<=" | "=",
  value: number,
  palette: string,
): JsonObject => ({
  comparator,
  value,
  palette,
});
