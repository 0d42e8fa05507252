import type { RunRecord } from "../store/run-record.js";
import type { ServerValues } from "./query-results.js";

/** The record of a run once aggregated: its server values (empty without Datadog), flags and completion time. */
export const completedRecord = (
  record: RunRecord,
  values: ServerValues | undefined,
  nowMs: number,
): RunRecord => {
  const flags = new Set(record.flags ?? []);
  if (values?.topologyChanged) flags.add("topology_changed");
  const notes = values?.notes ?? {};
  return {
    ...record,
    state: "aggregated",
    server: values?.server ?? {},
    ...(Object.keys(notes).length > 0 ? { server_notes: notes } : {}),
    ...(flags.size > 0 ? { flags: [...flags] } : {}),
    aggregated_at: new Date(nowMs).toISOString(),
  };
};
