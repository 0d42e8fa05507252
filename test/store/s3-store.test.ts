import { createHash } from "node:crypto";
import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isDogdriverError } from "../../src/errors.js";
import { runKey } from "../../src/store/keys.js";
import { openStore } from "../../src/store/open-store.js";
import { createS3Client } from "../../src/store/s3-client.js";
import { parseS3Url, s3Secrets, s3Settings } from "../../src/store/s3-settings.js";
import { createS3Backend } from "../../src/store/s3-store.js";
import { createRunStore } from "../../src/store/store.js";
import type { RunStore } from "../../src/store/types.js";
import { testDeps } from "../support/deps.js";
import { type S3TestServer, startS3Server } from "../support/s3-server.js";
import { manyRuns, sampleRun } from "./fixtures.js";
import { storeContract } from "./store-contract.js";

let server: S3TestServer;
beforeAll(async () => {
  server = await startS3Server();
});
afterAll(async () => server?.close());

const opened: RunStore[] = [];
const open = (url: string, env: Record<string, string> = server.env): RunStore => {
  const store = openStore(url, testDeps({ cwd: "/nonexistent", env }));
  opened.push(store);
  return store;
};
afterAll(() => {
  for (const store of opened) store.close?.();
});

let count = 0;
storeContract("s3", async () => ({
  open: async () => open(`s3://${server.bucket}/contract-${++count}`),
  writeRaw: async (store, key, body) => {
    const client = createS3Client(s3Settings(server.env));
    const { bucket, prefix } = parseS3Url(store.url);
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: prefix + key, Body: body }));
    client.destroy();
  },
  close: async () => {},
}));

describe("s3 store", () => {
  it("enforces conditional PUTs through the real SDK, as AWS does", async () => {
    const client = new S3Client({
      endpoint: server.endpoint,
      region: "us-east-1",
      forcePathStyle: true,
      credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
    });
    const put = (body: string, extra: object) =>
      client.send(new PutObjectCommand({ Bucket: server.bucket, Key: "sdk/claim", Body: body, ...extra }));
    const first = await put("a", { IfNoneMatch: "*" });
    const refused = await put("b", { IfNoneMatch: "*" }).catch((e) => e);
    expect(refused.$metadata.httpStatusCode).toBe(412);
    expect(refused.name).toBe("PreconditionFailed");
    expect((await put("c", { IfMatch: first.ETag })).ETag).toBeDefined();
    expect((await put("d", { IfMatch: first.ETag }).catch((e) => e)).$metadata.httpStatusCode).toBe(412);
    client.destroy();
  });

  it("shows a reader an object whole and with its own ETag while it is rewritten, as S3 does", async () => {
    // The conditional-write tests rest on this: s3rver alone lets a GET see a torn body or another version's ETag.
    const client = createS3Client(s3Settings(server.env));
    const Key = "torn/object";
    const bodyOf = (i: number) => JSON.stringify({ i, pad: String(i).repeat(300_000) });
    await client.send(new PutObjectCommand({ Bucket: server.bucket, Key, Body: bodyOf(0) }));
    let writing = true;
    const writer = (async () => {
      for (let i = 1; i <= 15; i++)
        await client.send(new PutObjectCommand({ Bucket: server.bucket, Key, Body: bodyOf(i) }));
      writing = false;
    })();
    const problems: string[] = [];
    let reads = 0;
    while (writing) {
      const out = await client.send(new GetObjectCommand({ Bucket: server.bucket, Key }));
      const body = (await out.Body?.transformToString()) ?? "";
      const md5 = createHash("md5").update(body).digest("hex");
      if (out.ETag?.replace(/"/g, "") !== md5)
        problems.push(`read ${reads}: ETag ${out.ETag} is not the body's`);
      reads++;
    }
    await writer;
    client.destroy();
    expect(reads).toBeGreaterThan(0);
    expect(problems).toEqual([]);
  });

  it("pages through ListObjectsV2", async () => {
    const settings = s3Settings(server.env);
    const url = `s3://${server.bucket}/paged`;
    const store = createRunStore(
      createS3Backend({ url, client: createS3Client(settings), secrets: [], pageSize: 7 }),
      testDeps({ cwd: "/" }).log,
    );
    opened.push(store);
    const runs = manyRuns(40, ["kinto"], ["stage"]);
    for (const run of runs) await store.putRun(run);
    const before = server.requests().length;
    const keys: string[] = [];
    for await (const key of store.listRunKeys({ service: "kinto", env: "stage" })) keys.push(key);
    expect(keys).toEqual(runs.map(runKey).sort());
    const lists = server
      .requests()
      .slice(before)
      .filter((r) => r.method === "GET" && r.url.includes("list-type=2"));
    expect(lists).toHaveLength(6); // ceil(40 / 7)
    const records: string[] = [];
    for await (const record of store.listRuns()) records.push(record.id);
    expect(records).toEqual(runs.map((r) => r.id));
  });

  it("pages through common prefixes when listing one env across services", async () => {
    const url = `s3://${server.bucket}/paged-envs`;
    const store = createRunStore(
      createS3Backend({ url, client: createS3Client(s3Settings(server.env)), secrets: [], pageSize: 3 }),
      testDeps({ cwd: "/" }).log,
    );
    opened.push(store);
    const services = ["a", "a-b", "b", "c", "d", "e", "f", "g"];
    const runs = manyRuns(32, services, ["prod", "stage"]);
    for (const run of runs) await store.putRun(run);
    const keys: string[] = [];
    for await (const key of store.listRunKeys({ env: "stage" })) keys.push(key);
    expect(keys).toEqual(
      runs
        .filter((r) => r.env === "stage")
        .map(runKey)
        .sort(),
    );
    expect(keys[0]?.startsWith("runs/a-b/")).toBe(true); // byte order: "a-b/" before "a/"
  });

  it("keeps records under the URL's prefix", async () => {
    const store = open(`s3://${server.bucket}/team/a/`);
    await store.putRun(sampleRun());
    expect(store.url).toBe(`s3://${server.bucket}/team/a/`);
    const other = open(`s3://${server.bucket}/team/b`);
    const keys: string[] = [];
    for await (const key of other.listRunKeys()) keys.push(key);
    expect(keys).toEqual([]);
  });

  it("names the bucket and key in errors and never the credentials", async () => {
    const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRET";
    const env = { ...server.env, AWS_SECRET_ACCESS_KEY: secret, AWS_ACCESS_KEY_ID: "AKIAEXAMPLEKEYID" };
    const missing = open("s3://no-such-bucket/x", env);
    const error = await missing.putRun(sampleRun()).catch((e) => e);
    expect(isDogdriverError(error) && error.code).toBe("store");
    expect(error.message).toContain("s3://no-such-bucket/x/runs/kinto/stage/");
    expect(error.message).not.toContain(secret);
    expect(error.message).not.toContain("AKIAEXAMPLEKEYID");
  });

  it("says when the server cannot be reached", async () => {
    const env = { ...server.env, AWS_ENDPOINT_URL_S3: "http://127.0.0.1:9", AWS_MAX_ATTEMPTS: "1" };
    const error = await open(`s3://${server.bucket}/x`, env)
      .getRun(runKey(sampleRun()))
      .catch((e) => e);
    expect(isDogdriverError(error) && error.code).toBe("store");
    expect(error.message).toMatch(/s3:\/\/dogdriver-test\/x\/runs\/.*cannot read.*127\.0\.0\.1:9/);
  });

  it("reads its settings from the SDK's own variables", () => {
    expect(s3Settings({})).toMatchObject({
      region: "us-east-1",
      endpoint: undefined,
      forcePathStyle: false,
      credentials: undefined,
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
    });
    expect(
      s3Settings({
        AWS_REGION: "eu-west-3",
        AWS_ENDPOINT_URL: "http://a",
        AWS_ENDPOINT_URL_S3: "http://b",
        DOGDRIVER_S3_FORCE_PATH_STYLE: "1",
        AWS_ACCESS_KEY_ID: "id",
        AWS_SECRET_ACCESS_KEY: "secret",
        AWS_SESSION_TOKEN: "token",
        AWS_REQUEST_CHECKSUM_CALCULATION: "when_supported",
        AWS_MAX_ATTEMPTS: "5",
      }),
    ).toMatchObject({
      region: "eu-west-3",
      endpoint: "http://b",
      forcePathStyle: true,
      credentials: { accessKeyId: "id", secretAccessKey: "secret", sessionToken: "token" },
      requestChecksumCalculation: "WHEN_SUPPORTED",
      maxAttempts: 5,
    });
    expect(s3Settings({ AWS_PROFILE: "ci" })).toMatchObject({ profile: "ci", region: undefined });
    expect(s3Secrets({ AWS_SECRET_ACCESS_KEY: "abcdef", AWS_ACCESS_KEY_ID: "AKIA1234" })).toEqual([
      "AKIA1234",
      "abcdef",
    ]);
  });

  it("works with the SDK's default flexible checksums too", async () => {
    const store = open(`s3://${server.bucket}/checksums`, {
      ...server.env,
      AWS_REQUEST_CHECKSUM_CALCULATION: "WHEN_SUPPORTED",
      AWS_RESPONSE_CHECKSUM_VALIDATION: "WHEN_SUPPORTED",
    });
    expect(await store.putRun(sampleRun())).toBe("created");
    expect(await store.getRun(runKey(sampleRun()))).toEqual(sampleRun());
  });

  it("rejects store URLs that are not a bucket and a clean prefix", () => {
    for (const url of ["s3://", "s3://B", "s3://bucket/a//b", "s3://bucket/../x", "s3://bucket/a/./b"])
      expect(() => parseS3Url(url), url).toThrow(/expected s3:\/\/bucket\/prefix/);
    expect(parseS3Url("s3://bucket")).toEqual({ bucket: "bucket", prefix: "" });
    expect(parseS3Url("s3://bucket/a/b/")).toEqual({ bucket: "bucket", prefix: "a/b/" });
  });
});
