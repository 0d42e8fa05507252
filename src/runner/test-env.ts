import type { ServiceConfig } from "../config/types.js";
import type { Deps } from "../state/deps.js";
import { childEnv } from "./child-env.js";
import type { TestPlan } from "./types.js";

/**
 * The environment a test's code runs with (molotov under `run`, the scenario import under `check`): dogdriver's
 * own minus its secrets, molotov.json's `env`, and the service it targets, so one scenario serves any deployment.
 */
export const testEnv = (
  deps: Deps,
  plan: TestPlan,
  service: ServiceConfig,
  version: string,
): Record<string, string> => ({
  ...childEnv(deps.env),
  ...plan.env,
  DOGDRIVER_ENDPOINT: service.endpoint,
  DOGDRIVER_SERVICE: service.name,
  DOGDRIVER_ENV: service.env,
  DOGDRIVER_VERSION: version,
  // Keep the user's test directory free of __pycache__.
  PYTHONDONTWRITEBYTECODE: "1",
});
