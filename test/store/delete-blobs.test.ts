import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { openStore } from "../../src/store/open-store.js";
import type { RunStore } from "../../src/store/types.js";
import { testDeps } from "../support/deps.js";
import { type S3TestServer, startS3Server } from "../support/s3-server.js";

// deleteBlobs: many of dogdriver's own files gone at once (S3: one DeleteObjects per 1,000 keys), an absent one
// no error, the others untouched; on both backends.

let server: S3TestServer;
let dir: string;
beforeAll(async () => {
  server = await startS3Server();
  dir = await mkdtemp(join(tmpdir(), "dogdriver-delete-blobs-"));
});
afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

const left = async (store: RunStore) => {
  const paths: string[] = [];
  for await (const path of store.listBlobs("outbox/")) paths.push(path);
  return paths.sort();
};

const exercise = async (store: RunStore) => {
  for (const name of ["a", "b", "c", "d+e=f:g"]) await store.writeBlob(`outbox/events/${name}.json`, "{}");
  await store.deleteBlobs(["outbox/events/a.json", "outbox/events/d+e=f:g.json", "outbox/events/gone.json"]);
  expect(await left(store)).toEqual(["outbox/events/b.json", "outbox/events/c.json"]);
  await store.deleteBlobs([]);
  expect(await left(store)).toHaveLength(2);
};

it("deletes many blobs of an S3 store in one DeleteObjects request", async () => {
  const store = openStore(`s3://${server.bucket}/delete-many`, testDeps({ cwd: dir, env: server.env }));
  const before = server.requests().length;
  await exercise(store);
  store.close?.();
  const posts = server
    .requests()
    .slice(before)
    .filter((r) => r.method === "POST");
  expect(posts.map((r) => [r.url.includes("delete"), r.status])).toEqual([[true, 200]]);
});

it("deletes many blobs of a file store", async () => {
  await exercise(openStore(`file://${dir}/store`, testDeps({ cwd: dir, env: {} })));
});
