import type { ServiceConfig } from "../config/types.js";
import { DogdriverError } from "../errors.js";
import type { RunRecord } from "../store/run-record.js";
import { releaseHistories } from "../verdicts/release-history.js";
import type { VerifyTarget } from "./verify-judge.js";

// What a verify compares: the deployed version (the candidate) against `--baseline`, or against the release
// before it: the newest release first seen before the candidate's first run (when the candidate has runs), else
// the newest stored release.

export const verifyTarget = (
  runs: readonly RunRecord[],
  service: ServiceConfig,
  candidate: string,
  baseline: string | undefined,
  storeUrl: string,
): VerifyTarget => {
  const label = `${service.name}/${service.env}`;
  const history = releaseHistories(runs).find((h) => h.test === service.test.name);
  const releases = history?.releases ?? [];
  const usable = (version: string) =>
    releases.find((r) => r.version === version)?.runs.some((r) => r.state !== "failed") === true;
  const target = (version: string) => ({
    service: service.name,
    env: service.env,
    test: service.test.name,
    baseline: version,
    candidate,
  });
  if (baseline !== undefined) {
    if (baseline === candidate)
      throw new DogdriverError("usage", `verify: --baseline ${baseline} is the deployed version itself`);
    if (!usable(baseline)) {
      const known = releases.map((r) => r.version).join(", ") || "none";
      throw new DogdriverError(
        "invalid_input",
        `verify ${label}: no finished run of --baseline ${baseline} in ${storeUrl} (stored releases: ${known})`,
      );
    }
    return target(baseline);
  }
  const at = releases.findIndex((r) => r.version === candidate);
  const before = (at < 0 ? releases : releases.slice(0, at)).filter((r) => usable(r.version));
  const previous = before[before.length - 1];
  if (previous === undefined)
    throw new DogdriverError(
      "invalid_input",
      `verify ${label}: no release before ${candidate} is stored in ${storeUrl}, so there is nothing to compare it with. ` +
        `Load-test the release it replaces first (\`dogdriver run ${label}\` before the deploy, a few times), ` +
        "or name a stored one with --baseline VERSION",
    );
  return target(previous.version);
};
