import type { ServiceConfig } from "../config/types.js";
import { DogdriverError } from "../errors.js";
import type { RunRecord } from "../store/run-record.js";
import { isUsable, releaseHistories } from "../verdicts/release-history.js";
import { VERIFY_MIN_RUNS, type VerifyTarget } from "./verify-judge.js";

// What a verify compares: the deployed version (the candidate) against `--baseline`, or against the release
// before it: the newest release first seen before the candidate's first run (when the candidate has runs), else
// the newest stored release. Its runs are compared within their source (or through the offsets older releases
// give between sources), so this source must have run something before the candidate.

export const verifyTarget = (
  runs: readonly RunRecord[],
  service: ServiceConfig,
  candidate: string,
  baseline: string | undefined,
  where: { storeUrl: string; source: string },
): VerifyTarget => {
  const chosen = targetRelease(runs, service, candidate, baseline, where.storeUrl);
  enoughBaseline(runs, chosen, where.storeUrl);
  linkedSource(runs, chosen, where);
  return chosen;
};

/**
 * Refuses, before any load, a baseline with fewer usable runs (finished, not flagged) than a look compares: no
 * candidate run could make up for them, and verify would spend its whole budget undecided.
 */
const enoughBaseline = (runs: readonly RunRecord[], target: VerifyTarget, storeUrl: string): void => {
  const usable = runs.filter(
    (r) => r.test === target.test && r.version === target.baseline && isUsable(r),
  ).length;
  if (usable >= VERIFY_MIN_RUNS) return;
  const label = `${target.service}/${target.env}`;
  throw new DogdriverError(
    "invalid_input",
    `verify ${label}: the baseline ${target.baseline} has ${usable} usable run${usable === 1 ? "" : "s"} in ${storeUrl} (failed and flagged runs left out), and a comparison needs ${VERIFY_MIN_RUNS}. ` +
      `Load-test it a few times first (\`dogdriver run ${label}\` while it is deployed), or name another stored release with --baseline VERSION`,
  );
};

/**
 * Refuses, before any load, a source with no finished run of any release before the candidate: no look could
 * link its runs with the baseline's, and verify would spend its whole budget undecided.
 */
const linkedSource = (
  runs: readonly RunRecord[],
  target: VerifyTarget,
  where: { storeUrl: string; source: string },
): void => {
  const before = runs.filter(
    (r) => r.test === target.test && r.version !== target.candidate && r.state !== "failed",
  );
  if (before.some((r) => r.source === where.source)) return;
  const label = `${target.service}/${target.env}`;
  const sources = [...new Set(before.map((r) => r.source))].sort();
  throw new DogdriverError(
    "invalid_input",
    `verify ${label}: no finished run from source "${where.source}" before ${target.candidate} in ${where.storeUrl} ` +
      `(its runs come from ${sources.map((s) => `"${s}"`).join(", ")}); runs are compared within their source, so ` +
      `verify's runs from "${where.source}" would have nothing to compare with. Run the baseline from here first ` +
      `(\`dogdriver run ${label}\`), or set source (DOGDRIVER_SOURCE) to where its runs come from`,
  );
};

const targetRelease = (
  runs: readonly RunRecord[],
  service: ServiceConfig,
  candidate: string,
  baseline: string | undefined,
  storeUrl: string,
): VerifyTarget => {
  const label = `${service.name}/${service.env}`;
  const history = releaseHistories(runs).find((h) => h.test === service.test.name);
  if (history === undefined && runs.length > 0) {
    const tests = [...new Set(runs.map((r) => `"${r.test}"`))].sort().join(", ");
    throw new DogdriverError(
      "invalid_input",
      `verify ${label}: no run of test "${service.test.name}" is stored in ${storeUrl}; its stored runs are of ${tests}. ` +
        "Check test.name in the configuration (the test verify loads), or load-test the release it replaces with it first",
    );
  }
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
