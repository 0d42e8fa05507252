import { describe, expect, it } from "vitest";
import type { ServiceConfig } from "../../src/config/types.js";
import { isDogdriverError } from "../../src/errors.js";
import { verifyTarget } from "../../src/verify/verify-target.js";
import { release } from "../verdicts/frozen-runs.js";

// What a verify compares, refused before any load when no look could answer.

const kinto = { name: "kinto", env: "stage", test: { name: "dogdriver" } } as ServiceConfig;
const where = (source: string) => ({ storeUrl: "file:///srv/store", source });
const history = [
  ...release("1.0.0", 0, 12, 100, { source: "eu-west" }),
  ...release("1.1.0", 400, 12, 100, { source: "eu-west" }),
];

const refusal = (run: () => unknown): { code: string; message: string } => {
  try {
    run();
  } catch (error) {
    if (isDogdriverError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error("not refused");
};

describe("verifyTarget", () => {
  it("compares the deployed version with the release before it, from a source that ran it", () => {
    expect(verifyTarget(history, kinto, "1.2.0", undefined, where("eu-west"))).toMatchObject({
      baseline: "1.1.0",
      candidate: "1.2.0",
    });
  });

  it("refuses a source with no run before the candidate (no look could link its runs: the budget spent undecided)", () => {
    const { code, message } = refusal(() => verifyTarget(history, kinto, "1.2.0", undefined, where("ci")));
    expect(code).toBe("invalid_input");
    expect(message).toBe(
      'verify kinto/stage: no finished run from source "ci" before 1.2.0 in file:///srv/store (its runs come from "eu-west"); ' +
        'runs are compared within their source, so verify\'s runs from "ci" would have nothing to compare with. ' +
        "Run the baseline from here first (`dogdriver run kinto/stage`), or set source (DOGDRIVER_SOURCE) to where its runs come from",
    );
  });

  it("takes a source whose runs are in an older release only: the offsets link it", () => {
    const linked = [...release("0.9.0", -400, 6, 100, { source: "ci" }), ...history];
    expect(verifyTarget(linked, kinto, "1.2.0", undefined, where("ci")).baseline).toBe("1.1.0");
  });
});

describe("verifyTarget refuses a baseline no look could use", () => {
  it("with fewer than 2 usable runs (one finished, one flagged): no candidate run could make up for it", () => {
    const thin = [
      ...history,
      ...release("1.2.0", 800, 1, 100, { source: "eu-west" }),
      ...release("1.2.0", 900, 1, 100, { source: "eu-west", flags: ["version_changed"] }),
    ];
    const { code, message } = refusal(() => verifyTarget(thin, kinto, "1.3.0", undefined, where("eu-west")));
    expect(code).toBe("invalid_input");
    expect(message).toBe(
      "verify kinto/stage: the baseline 1.2.0 has 1 usable run in file:///srv/store (failed and flagged runs left out), and a comparison needs 2. " +
        "Load-test it a few times first (`dogdriver run kinto/stage` while it is deployed), or name another stored release with --baseline VERSION",
    );
    expect(verifyTarget(thin, kinto, "1.3.0", "1.1.0", where("eu-west")).baseline).toBe("1.1.0");
  });

  it("of another test than the configured one: the message names the stored tests, not a missing release", () => {
    const other = { ...kinto, test: { name: "nosuchtest" } } as ServiceConfig;
    const { code, message } = refusal(() =>
      verifyTarget(history, other, "1.2.0", undefined, where("eu-west")),
    );
    expect(code).toBe("invalid_input");
    expect(message).toMatch(
      /^verify kinto\/stage: no run of test "nosuchtest" is stored in file:\/\/\/srv\/store; its stored runs are of "dogdriver"\. Check test\.name/,
    );
  });
});
