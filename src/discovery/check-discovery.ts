import type { CheckResult } from "../check/types.js";
import type { Config, ServiceConfig } from "../config/types.js";
import { isDogdriverError } from "../errors.js";
import type { Deps } from "../state/deps.js";
import { discoverServices, problemLine } from "./discover-services.js";

// What `dogdriver check` shows of Software Catalog discovery: the services it adds, the config's overrides and one
// warning per malformed block (the same lines `run` prints), and the services `check` then looks at as `run` would.

export interface DiscoveryCheck {
  results: CheckResult[];
  /** The configured services plus the discovered ones (the configured alone when discovery is off or failed). */
  services: ServiceConfig[];
}

/** check's findings for discovery; none when discovery is not configured. */
export const checkDiscovery = async (
  config: Config,
  deps: Pick<Deps, "env" | "clock" | "log" | "signal">,
): Promise<DiscoveryCheck> => {
  if (!config.discover?.datadog) return { results: [], services: config.services };
  try {
    const { datadogFromEnv } = await import("../datadog/client.js");
    const datadog = deps.env.DD_API_KEY ? datadogFromEnv(config, deps) : undefined;
    const discovery = await discoverServices(config, datadog);
    if (discovery === undefined) return { results: [], services: config.services };
    const added = discovery.services.slice(config.services.length).map((s) => `${s.name}/${s.env}`);
    const line = (status: CheckResult["status"], detail: string): CheckResult => ({
      check: "discover",
      status,
      detail,
    });
    return {
      results: [
        line(
          "ok",
          `Software Catalog (${discovery.api} API): ${added.length} service(s) added${added.length ? `: ${added.join(", ")}` : ""}`,
        ),
        ...discovery.overridden.map((detail) => line("ok", detail)),
        // A malformed block is shown, yet check still passes: the other services run.
        ...discovery.problems.map((p) => line("warn", problemLine(p))),
      ],
      services: discovery.services,
    };
  } catch (error) {
    const message = isDogdriverError(error) ? error.message : String((error as Error)?.message ?? error);
    return { results: [{ check: "discover", status: "fail", detail: message }], services: config.services };
  }
};
