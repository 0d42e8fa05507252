import { v1 } from "@datadog/datadog-api-client";
import { modelError } from "./model-check.js";

// Why a widget definition is invalid, in Datadog's words ("Invalid widget definition at position 0 of type
// timeseries. Error: ..."). deserialize() only says a oneOf matched nothing, so the definition is re-read with the
// model its `type` names to get the reason.

const modelByType: Record<string, string> = {
  manage_status: "MonitorSummaryWidgetDefinition",
  query_table: "TableWidgetDefinition",
  trace_service: "ServiceSummaryWidgetDefinition",
  servicemap: "ServiceMapWidgetDefinition",
  hostmap: "HostMapWidgetDefinition",
  heatmap: "HeatMapWidgetDefinition",
  scatterplot: "ScatterPlotWidgetDefinition",
  slo: "SLOWidgetDefinition",
  slo_list: "SLOListWidgetDefinition",
  split_group: "SplitGraphWidgetDefinition",
  toplist: "ToplistWidgetDefinition",
  treemap: "TreeMapWidgetDefinition",
  iframe: "IFrameWidgetDefinition",
  point_plot: "PointPlotWidgetDefinition",
};

const pascal = (type: string) =>
  type
    .split("_")
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join("");

const modelFor = (type: string): string | undefined => {
  const name = modelByType[type] ?? `${pascal(type)}WidgetDefinition`;
  return name in v1 ? name : undefined;
};

/** The problem with widget `position` (raw snake_case JSON), or undefined when it is valid. */
export const widgetProblem = (
  widget: unknown,
  position: number,
  layoutType: string,
  reflowType?: string,
): string | undefined => {
  const definition = (widget as { definition?: { type?: unknown } })?.definition;
  const type = typeof definition?.type === "string" ? definition.type : "unknown";
  const at = `Invalid widget definition at position ${position} of type ${type}. Error:`;
  if (!definition) return `${at} 'definition' is a required property.`;
  const model = modelFor(type);
  if (!model) return `${at} '${type}' is not a valid widget type.`;
  try {
    v1.ObjectSerializer.deserialize(definition, model, "");
  } catch (error) {
    return `${at} ${modelError(error)}.`;
  }
  const requests = (definition as { requests?: unknown[] }).requests;
  if ((type === "query_value" || type === "change") && Array.isArray(requests) && requests.length !== 1) {
    return `${at} exactly one request is allowed.`;
  }
  const hasLayout = (widget as { layout?: unknown }).layout !== undefined;
  if ((layoutType === "free" || reflowType === "fixed") && !hasLayout) {
    return `${at} 'layout' is a required property.`;
  }
  if (type === "group") {
    const inner = (definition as { widgets?: unknown[] }).widgets ?? [];
    for (const [i, w] of inner.entries()) {
      const problem = widgetProblem(w, i, "ordered", reflowType);
      if (problem) return problem;
    }
  }
  return undefined;
};
