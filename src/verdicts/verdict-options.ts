import type { Config } from "../config/types.js";
import type { CompareOptions } from "./types.js";

// What the config file sets of the verdicts: the equivalence margin of "no change", for every service
// (verdicts.equivalence_pct) or one (services[].equivalence_pct). report, aggregate and the demo judge alike.

/** The config's "no change" margins (verdicts.equivalence_pct, services[].equivalence_pct) as CompareOptions. */
export const verdictOptions = (config: Config): CompareOptions => {
  const own = new Map(
    config.services.flatMap((s) =>
      s.equivalencePct === undefined ? [] : [[`${s.name}/${s.env}`, s.equivalencePct] as const],
    ),
  );
  return {
    detectPct: config.verdicts.equivalencePct,
    ...(own.size === 0 ? {} : { detectPctOf: (service, env) => own.get(`${service}/${env}`) }),
  };
};
