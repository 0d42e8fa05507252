import { PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, expect, it } from "vitest";
import { runKey } from "../../src/store/keys.js";
import { mapOrdered } from "../../src/store/map-ordered.js";
import { openStore } from "../../src/store/open-store.js";
import { encodeRecord } from "../../src/store/record-codec.js";
import { createS3Client } from "../../src/store/s3-client.js";
import { parseS3Url, s3Settings } from "../../src/store/s3-settings.js";
import { testDeps } from "../support/deps.js";
import { type S3TestServer, startS3Server } from "../support/s3-server.js";
import { manyRuns } from "./fixtures.js";

// Past S3's 1,000 keys per ListObjectsV2 page, at the SDK's own page size: the store follows
// NextContinuationToken as it must on AWS (the test server pages like S3, see test/support/s3-list.ts).

let server: S3TestServer;
beforeAll(async () => {
  server = await startS3Server();
});
afterAll(async () => server?.close());

it("lists 1,050 records over two ListObjectsV2 pages of up to 1,000 keys, in key order", async () => {
  const url = `s3://${server.bucket}/many`;
  const runs = manyRuns(1050, ["web"], ["prod"]);
  const client = createS3Client(s3Settings(server.env));
  const { bucket, prefix } = parseS3Url(url);
  // Written straight to the server (no read-compare-write per record): this test is about the listing.
  for await (const _ of mapOrdered(runs, 32, (r) =>
    client.send(new PutObjectCommand({ Bucket: bucket, Key: prefix + runKey(r), Body: encodeRecord(r) })),
  ));
  client.destroy();

  const store = openStore(url, testDeps({ cwd: "/nonexistent", env: server.env }));
  const before = server.requests().length;
  const keys: string[] = [];
  for await (const key of store.listRunKeys()) keys.push(key);
  store.close?.();
  expect(keys).toEqual(runs.map(runKey).sort());
  const pages = server
    .requests()
    .slice(before)
    .filter((r) => r.method === "GET" && r.url.includes("list-type=2"));
  expect(pages).toHaveLength(2);
  expect(pages[1]?.url).toContain("continuation-token=");
});
