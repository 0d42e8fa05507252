import { readdir, writeFile } from "node:fs/promises";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importCommand } from "../../src/store/import-command.js";
import { runKey } from "../../src/store/keys.js";
import { openStore } from "../../src/store/open-store.js";
import type { RunRecord } from "../../src/store/run-record.js";
import { type HttpService, startHttpService } from "../support/http-service.js";
import { type S3TestServer, startS3Server } from "../support/s3-server.js";
import { service, smokeTest, type Workspace, workspace } from "./runner-fixtures.js";

// A finished run is never lost: store, then (S3) the store again with backoff, then the spool (configurable,
// for a persistent volume), then stdout as an importable JSON line when nothing else takes it.

/** An HTTP layer in front of the S3 server that answers 503 to the first `failures` PUTs of run records. */
const flakyS3 = async (s3: S3TestServer, failures: number): Promise<{ url: string; server: Server }> => {
  let left = failures;
  const upstream = new URL(s3.endpoint);
  const server = createServer((req, res) => {
    if (req.method === "PUT" && req.url?.includes("/runs/") && left > 0) {
      left -= 1;
      req.resume();
      res.writeHead(503, { "content-type": "application/xml" });
      res.end("<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>");
      return;
    }
    const forward = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
};

describe("a finished run when the store fails", () => {
  let ws: Workspace;
  let target: HttpService;
  let s3: S3TestServer;
  beforeAll(async () => {
    ws = await workspace();
    target = await startHttpService({ delayMs: 2 });
    s3 = await startS3Server("never-lost");
    await ws.testDir("t", smokeTest({ workers: 1 }));
    // The spool the config and the environment name, not the test workspace's.
    delete ws.parts.spoolDir;
  });
  afterAll(async () => {
    await Promise.all([target.close(), ws.cleanup(), s3.close()]);
  });

  it("is printed on stdout as an importable JSON line when neither the store nor the spool takes it", async () => {
    await writeFile(join(ws.dir, "not-a-dir"), "a plain file where the store's directory should be");
    await ws.config({ store: "file://./not-a-dir/store", services: [service("lost", target.url, "./t")] });
    // /proc refuses new entries (Node's recursive mkdir loops for ever on it): the spool cannot be created.
    const deps = ws.deps();
    deps.env = { ...deps.env, DOGDRIVER_SPOOL_DIR: "/proc/dogdriver-spool/x" };
    const before = Date.now();
    const result = await ws.run({ services: ["lost"] }, deps);
    expect(Date.now() - before).toBeLessThan(20_000);
    expect(result.exit).toBe(1);
    const stderr = deps.stderr.text();
    expect(stderr).toMatch(
      /store file:\/\/\S+not-a-dir\/store could not take run \S+ \(.*(ENOTDIR|EEXIST).*\), nor the spool \/proc\/dogdriver-spool\/x \(.*ENOENT.*\): the record is printed on stdout as JSON/,
    );
    expect(stderr).toContain("NOT STORED: printed on stdout");
    const lines = deps.stdout.text().trim().split("\n");
    expect(lines).toHaveLength(1);
    const record = JSON.parse(lines[0] ?? "") as RunRecord;
    expect(record.service).toBe("lost");

    // What was printed loads with `dogdriver import`.
    const file = join(ws.dir, "rescued.jsonl");
    await writeFile(file, deps.stdout.text());
    const importDeps = ws.deps();
    expect(await importCommand({ file, store: "file://./rescued" }, importDeps)).toBe("ok");
    const rescued: RunRecord[] = [];
    for await (const r of openStore("file://./rescued", ws.deps()).listRuns()) rescued.push(r);
    expect(rescued).toEqual([record]);
  });

  it("goes to the spool the config names (`spool`), and DOGDRIVER_SPOOL_DIR wins over it", async () => {
    await ws.config({
      store: "file://./not-a-dir/store",
      spool: "./volume/spool",
      services: [service("spooled", target.url, "./t")],
    });
    const fromConfig = await ws.run({ services: ["spooled"], json: true }, ws.deps());
    expect(fromConfig.exit).toBe(1);
    const record = JSON.parse(fromConfig.deps.stdout.text()) as RunRecord;
    expect(await readdir(join(ws.dir, "volume", "spool"))).toEqual([`${record.id}.json`]);

    const deps = ws.deps();
    deps.env = { ...deps.env, DOGDRIVER_SPOOL_DIR: join(ws.dir, "from-env") };
    const fromEnv = await ws.run({ services: ["spooled"], json: true }, deps);
    const second = JSON.parse(deps.stdout.text()) as RunRecord;
    expect(fromEnv.exit).toBe(1);
    expect(await readdir(join(ws.dir, "from-env"))).toEqual([`${second.id}.json`]);
  });

  it("is written to S3 again with backoff before it is spooled", async () => {
    const flaky = await flakyS3(s3, 2);
    try {
      await ws.config({
        store: "s3://never-lost/runs-retry",
        services: [service("s3svc", target.url, "./t")],
      });
      const deps = ws.deps();
      // One try per SDK request, so the 503s reach dogdriver's own retries.
      deps.env = {
        ...deps.env,
        ...s3.env,
        AWS_ENDPOINT_URL_S3: flaky.url,
        AWS_MAX_ATTEMPTS: "1",
        DOGDRIVER_SPOOL_DIR: join(ws.dir, "s3-spool"),
      };
      ws.parts.storeRetryDelaysMs = [50, 50, 50];
      const result = await ws.run({ services: ["s3svc"], json: true }, deps);
      expect(result.exit).toBe(0);
      const record = JSON.parse(deps.stdout.text()) as RunRecord;
      expect(deps.stderr.text().match(/refused run \S+ .*trying again in 0.05 s/g)).toHaveLength(2);
      await expect(readdir(join(ws.dir, "s3-spool"))).rejects.toThrow(/ENOENT/);
      const store = openStore("s3://never-lost/runs-retry", { ...ws.deps(), env: { ...s3.env } });
      expect((await store.getRun(runKey(record)))?.id).toBe(record.id);
    } finally {
      delete ws.parts.storeRetryDelaysMs;
      flaky.server.close();
    }
  });
});
