import type { Config } from "../config/types.js";
import { isDogdriverError } from "../errors.js";
import type { Deps } from "../state/deps.js";
import { discoverServices, problemLine } from "./discover-services.js";

// What `dogdriver check` shows of Software Catalog discovery: the services it adds, and one warning per malformed
// block (the same lines `run` prints). Shaped as check's own result lines.

export interface DiscoveryCheckLine {
  name: "discover";
  ok: boolean;
  /** A malformed block: shown, yet `check` still passes (the other services run). */
  warning?: boolean;
  detail: string;
}

/** Lines for `check`; none when discovery is not configured. */
export const checkDiscovery = async (
  config: Config,
  deps: Pick<Deps, "env" | "clock" | "log" | "signal">,
): Promise<DiscoveryCheckLine[]> => {
  if (!config.discover?.datadog) return [];
  try {
    const { createDatadog, datadogSettingsFromEnv } = await import("../datadog/client.js");
    const datadog = deps.env.DD_API_KEY
      ? createDatadog(datadogSettingsFromEnv(deps.env, config), deps)
      : undefined;
    const discovery = await discoverServices(config, datadog);
    if (discovery === undefined) return [];
    const added = discovery.services.slice(config.services.length).map((s) => `${s.name}/${s.env}`);
    return [
      {
        name: "discover",
        ok: true,
        detail: `Software Catalog (${discovery.api} API): ${added.length} service(s) added${added.length ? `: ${added.join(", ")}` : ""}`,
      },
      ...discovery.overridden.map((detail) => ({ name: "discover" as const, ok: true, detail })),
      ...discovery.problems.map((p) => ({
        name: "discover" as const,
        ok: true,
        warning: true,
        detail: problemLine(p),
      })),
    ];
  } catch (error) {
    const message = isDogdriverError(error) ? error.message : String((error as Error)?.message ?? error);
    return [{ name: "discover", ok: false, detail: message }];
  }
};
