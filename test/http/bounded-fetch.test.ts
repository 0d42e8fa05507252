import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { exitCodeForError } from "../../src/cli/exit-codes.js";

// The bounds of a read from a server dogdriver does not control, under garbage collection (Node 20's
// AbortSignal.any stops firing once a GC ran: the version reader used it and hung on a trickle).

const script = fileURLToPath(new URL("./bounded-fetch-gc.mjs", import.meta.url));

describe("bounded fetch", () => {
  it("times out a trickle and stops an endless body at the byte limit, with GC forced throughout", async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ["--expose-gc", script], {
      timeout: 25_000,
    });
    const results = Object.fromEntries(
      stdout
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line))
        .map((r) => [r.name, r]),
    );
    expect(results.trickle).toMatchObject({ ok: false, kind: "timeout", message: "no answer within 0.5 s" });
    expect(results.trickle.ms).toBeLessThan(3000);
    expect(results.endless).toMatchObject({
      ok: false,
      kind: "too_large",
      message: "answer larger than 1048576 bytes",
    });
    expect(results.endless.rssGrowthMb).toBeLessThan(200);

    // Through the version reader: a trickle is "no answer within 10 s" (exit 5), an endless body exit 3.
    expect(results["version-trickle"]).toMatchObject({ ok: false, kind: "load_test_failed" });
    expect(results["version-trickle"].message).toMatch(
      /^version endpoint http:\S+\/trickle unreachable: no answer within 10 s$/,
    );
    expect(exitCodeForError(results["version-trickle"].kind)).toBe(5);
    expect(results["version-endless"]).toMatchObject({ ok: false, kind: "invalid_input" });
    expect(results["version-endless"].message).toMatch(
      /answer larger than 65536 bytes, expected a small JSON document/,
    );
    expect(exitCodeForError(results["version-endless"].kind)).toBe(3);
  });
});

describe("bounded fetch, a port fetch refuses", () => {
  it("says the port is one fetch refuses, not a bare 'bad port'", async () => {
    const { BoundedFetchError, boundedFetchText } = await import("../../src/http/bounded-fetch.js");
    // fetch refuses port 6000 before connecting: nothing listens there, nothing is sent.
    const error = await boundedFetchText("http://127.0.0.1:6000/version", {
      timeoutMs: 2000,
      maxBytes: 1024,
      clock: { sleep: (ms: number) => new Promise((done) => setTimeout(done, ms)) },
      signal: new AbortController().signal,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BoundedFetchError);
    expect((error as Error).message).toMatch(/fetch refuses this port .*serve the endpoint on another port/);
  });
});
