import { execFile } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { exitCodeForError } from "../../src/cli/exit-codes.js";
import { refusedPort } from "../support/refused-port.js";

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

describe("bounded fetch, a URL with a user and password", () => {
  const options = () => ({
    timeoutMs: 5000,
    maxBytes: 64 * 1024,
    clock: { sleep: (ms: number) => new Promise<void>((done) => setTimeout(done, ms)) },
    signal: new AbortController().signal,
  });

  // fetch refuses such a URL with a message that quotes it whole; curl and browsers send a Basic header instead.
  it("sends them as a Basic Authorization header to the URL without them", async () => {
    const { boundedFetchText } = await import("../../src/http/bounded-fetch.js");
    const seen: { url?: string; authorization?: string } = {};
    const server = createServer((req, res) => {
      seen.url = req.url;
      seen.authorization = req.headers.authorization;
      res.end('{"version":"1.2.3"}');
    });
    await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
    try {
      const { port } = server.address() as AddressInfo;
      const answer = await boundedFetchText(`http://us%40er:s3cr3t@127.0.0.1:${port}/__version__`, options());
      expect(answer).toEqual({ status: 200, body: '{"version":"1.2.3"}' });
      expect(seen).toEqual({
        url: "/__version__",
        authorization: `Basic ${Buffer.from("us@er:s3cr3t").toString("base64")}`,
      });
    } finally {
      await new Promise((done) => server.close(done));
    }
  });

  it("never names them when the endpoint cannot be read", async () => {
    const { readDeployedVersion } = await import("../../src/runner/deployed-version.js");
    const port = await refusedPort();
    const url = `http://user:s3cr3t@127.0.0.1:${port}/__version__`;
    const error = await readDeployedVersion({ url }, new AbortController().signal, options().clock).catch(
      (e: unknown) => e as Error,
    );
    expect((error as Error).message).toBe(
      `version endpoint http://***@127.0.0.1:${port}/__version__ unreachable: ECONNREFUSED`,
    );
  });
});
