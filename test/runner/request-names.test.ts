import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { captureReader } from "../../src/runner/capture-reader.js";
import { runMolotovProcess } from "../../src/runner/molotov-process.js";
import { EXTENSION_PATH, findPython } from "../../src/runner/runner-parts.js";
import type { RequestSample } from "../../src/runner/types.js";
import { manualClock } from "../support/deps.js";
import { laterMolotov } from "./runner-fixtures.js";

// A scenario names its requests with the X-Dogdriver-Name header: real Molotov with dogdriver's extension against
// a server on 127.0.0.1 that keeps every header it got. The extension writes the name in the 7th column and takes
// the header out before the request is sent.

const SCENARIO = `import os
import molotov

ENDPOINT = os.environ["ENDPOINT"]
NAMED = {"X-Dogdriver-Name": "POST /api/cart", "Accept": "text/plain"}

@molotov.scenario(weight=100)
async def shop(session):
    async with session.post(ENDPOINT + "/api/cart/42", headers=NAMED) as resp:
        assert resp.status == 200
    async with session.get(ENDPOINT + "/plain", headers=iter([("Accept", "*/*")])) as resp:
        assert resp.status == 200
    long_name = "GET\\t/items/{id}\\n\\x1b[31m" + "x" * 200
    pairs = iter([("x-dogdriver-name", long_name)])
    async with session.get(ENDPOINT + "/items/7", headers=pairs) as resp:
        assert resp.status == 200
`;

describe("request names", () => {
  const seen: IncomingHttpHeaders[] = [];
  const server = createServer((req, res) => {
    seen.push(req.headers);
    req.resume();
    res.end("ok");
  });
  let dir: string;
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    dir = await mkdtemp(join(tmpdir(), "dogdriver-names-"));
    await writeFile(join(dir, "loadtest.py"), SCENARIO);
  });
  afterAll(async () => {
    server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("writes the name the scenario gave, never sends the header, and leaves unnamed requests unnamed", async () => {
    const env = { PATH: process.env.PATH, ...laterMolotov() };
    const exit = await runMolotovProcess({
      python: findPython(env),
      args: ["-w", "1", "-r", "3", "--use-extension", EXTENSION_PATH, "--", "loadtest.py"],
      cwd: dir,
      env: {
        PATH: process.env.PATH ?? "",
        ENDPOINT: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        DOGDRIVER_CAPTURE_DIR: dir,
        DOGDRIVER_RESULT_FILE: join(dir, "result.json"),
        PYTHONDONTWRITEBYTECODE: "1", // no __pycache__ next to the extension
      },
      timeoutMs: 60_000,
      killGraceMs: 1000,
      signal: new AbortController().signal,
      clock: manualClock(Date.now(), true),
    });
    expect(exit.stopped).toBeUndefined();
    const samples: RequestSample[] = [];
    await captureReader(dir, (sample) => samples.push(sample)).drain();

    // -w 1 -r 3: three scenario runs of three requests each.
    expect(seen).toHaveLength(9);
    expect(samples).toHaveLength(9);
    expect(seen.filter((h) => "x-dogdriver-name" in h)).toEqual([]);
    expect(seen.filter((h) => h.accept === "text/plain")).toHaveLength(3);
    const byPath = (path: string) => samples.filter((s) => s.path === path).map((s) => s.name);
    expect(new Set(byPath("/api/cart/42"))).toEqual(new Set(["POST /api/cart"]));
    expect(new Set(byPath("/plain"))).toEqual(new Set([undefined]));
    expect(new Set(byPath("/items/7"))).toEqual(new Set([`GET /items/{id}  [31m${"x".repeat(79)}`]));
  });
});
