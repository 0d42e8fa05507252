import type { RunRecord } from "../store/run-record.js";
import { round } from "../verdicts/rounding.js";
import { ENDPOINT_FIELD, type EndpointServerValues } from "./endpoint-query.js";
import type { ServerValues } from "./query-results.js";

/** The record's endpoints with the server latency APM gave each (µs precision, as the client's). */
const withServer = (record: RunRecord, endpoints: EndpointServerValues | undefined): RunRecord["client"] => {
  if (endpoints === undefined || endpoints.latencyMs.size === 0 || record.client.endpoints === undefined)
    return record.client;
  return {
    ...record.client,
    endpoints: record.client.endpoints.map((e) => {
      const ms = e.other ? undefined : endpoints.latencyMs.get(e.name);
      return ms === undefined ? e : { ...e, server_ms: round(ms, 3) };
    }),
  };
};

/**
 * The record of a run once aggregated: its server values (empty without Datadog), the server latency of its
 * endpoints where the service's endpoint_query matched them, flags and completion time.
 */
export const completedRecord = (
  record: RunRecord,
  values: ServerValues | undefined,
  nowMs: number,
  endpoints?: EndpointServerValues,
): RunRecord => {
  const flags = new Set(record.flags ?? []);
  if (values?.topologyChanged) flags.add("topology_changed");
  const notes = {
    ...values?.notes,
    ...(endpoints?.note === undefined ? {} : { [ENDPOINT_FIELD]: endpoints.note }),
  };
  return {
    ...record,
    state: "aggregated",
    client: withServer(record, endpoints),
    server: values?.server ?? {},
    ...(Object.keys(notes).length > 0 ? { server_notes: notes } : {}),
    ...(flags.size > 0 ? { flags: [...flags] } : {}),
    aggregated_at: new Date(nowMs).toISOString(),
  };
};
