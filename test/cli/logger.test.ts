import { describe, expect, it } from "vitest";
import { streamLogger } from "../../src/state/deps.js";
import { captured } from "../support/deps.js";

describe("streamLogger", () => {
  it("says a once() note the first time only, and repeats it at debug level", () => {
    const quiet = captured();
    const log = streamLogger(quiet, false);
    log.once("Datadog keys not set");
    log.once("Datadog keys not set");
    log.once("DD_APP_KEY not set");
    expect(quiet.text()).toBe("warning: Datadog keys not set\nwarning: DD_APP_KEY not set\n");

    const verbose = captured();
    const chatty = streamLogger(verbose, true);
    chatty.once("x");
    chatty.once("x");
    expect(verbose.text()).toBe("warning: x\ndebug: x\n");
  });
});
