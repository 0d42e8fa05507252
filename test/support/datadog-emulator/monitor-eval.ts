import { evaluate, frameFor, type PointSource, reduce } from "./query-eval.js";
import { parseQuery } from "./query-parser.js";

// A multi-alert metric monitor evaluated the way Datadog documents it (docs monitors/types/metric,
// monitors/configuration "auto resolve"), at a sequence of times: each evaluation reduces every group's values
// over `last_<window>` (ending evaluation_delay seconds earlier) with the time aggregator and compares it with the
// threshold. A group without data keeps its state (notify_no_data is off); with timeout_h set, a triggered group
// that has had no data for that many hours resolves. Enough to show how dogdriver's monitors behave over time.

export type GroupState = "Alert" | "OK";

interface MonitorBody {
  query: string;
  options?: { evaluation_delay?: number; timeout_h?: number };
}

const HEAD = /^(avg|sum|min|max|last)\(last_(\d+)([mhd])\):(.*?)\s*(>=|<=|>|<)\s*(-?\d+(?:\.\d+)?)\s*$/;
const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

const breaches = (value: number, comparator: string, threshold: number): boolean =>
  comparator === ">"
    ? value > threshold
    : comparator === ">="
      ? value >= threshold
      : comparator === "<"
        ? value < threshold
        : value <= threshold;

/** Each group's state ("env:stage,service:kinto,..." -> state) after evaluating at each of `atMs`, in order. */
export const monitorGroupStates = (
  monitor: MonitorBody,
  points: PointSource,
  atMs: readonly number[],
): Map<string, GroupState> => {
  const head = HEAD.exec(monitor.query);
  if (!head) throw new Error(`the emulator does not evaluate this monitor query: ${monitor.query}`);
  const [, timeAggregator = "avg", n = "1", unit = "h", expression = "", comparator = ">", threshold = "0"] =
    head;
  const windowMs = Number(n) * UNIT_MS[unit as keyof typeof UNIT_MS];
  const delayMs = (monitor.options?.evaluation_delay ?? 0) * 1000;
  const timeoutMs = (monitor.options?.timeout_h ?? 0) * 3_600_000;
  const node = parseQuery(expression);
  const states = new Map<string, { state: GroupState; lastDataMs: number }>();
  for (const t of atMs) {
    const to = t - delayMs;
    const value = evaluate(node, frameFor(to - windowMs, to), points);
    const seen = new Set<string>();
    if (value.kind === "series")
      for (const series of value.series) {
        const reduced = reduce(timeAggregator, series.values);
        if (reduced === null) continue;
        const group = [...series.groupTags].sort().join(",");
        seen.add(group);
        states.set(group, {
          state: breaches(reduced, comparator, Number(threshold)) ? "Alert" : "OK",
          lastDataMs: t,
        });
      }
    for (const [group, s] of states)
      if (!seen.has(group) && s.state === "Alert" && timeoutMs > 0 && t - s.lastDataMs >= timeoutMs)
        states.set(group, { ...s, state: "OK" });
  }
  return new Map([...states].map(([group, s]) => [group, s.state]));
};
