/// <reference path="./s3rver.d.ts" />
import { mkdtemp, rm } from "node:fs/promises";
import { Agent, createServer, type IncomingMessage, request, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateBucketCommand, DeleteObjectCommand, HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import S3rver from "s3rver";
import { listObjectsV2 } from "./s3-list.js";

// A real S3-compatible server for tests: s3rver on 127.0.0.1 behind a small HTTP layer that enforces
// If-None-Match: * and If-Match on PutObject as AWS does (412 PreconditionFailed), because s3rver ignores both
// (S3-NOTES.md). Writes to one key are serialized in that layer, so a check and its PUT are atomic, as on S3,
// and reads of that key wait for them (s3rver's own writes are not atomic).
// ListObjectsV2 is answered by the layer too (s3-list.ts): s3rver's own listing is unordered and cannot page.
// So is DeleteObjects (POST ?delete): as on S3, each key is deleted on its own, in turn with that key's other
// writes, and a missing key counts as deleted.

const CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };

export interface S3RequestLog {
  method: string;
  /** Path and query as received ("/bucket/key?x-id=PutObject"). */
  url: string;
  status: number;
}

export interface S3TestServer {
  /** http://127.0.0.1:PORT: the enforcing layer (point clients here). */
  endpoint: string;
  /** A bucket created at start. */
  bucket: string;
  /** The variables dogdriver reads to reach this server. */
  env: Record<string, string>;
  createBucket(name: string): Promise<void>;
  /** Requests seen so far (to count ListObjectsV2 pages, PUTs refused...). */
  requests(): S3RequestLog[];
  close(): Promise<void>;
}

const unquote = (etag: string | undefined) => etag?.replace(/^W\//, "").replace(/"/g, "");

const preconditionFailed = (res: ServerResponse, condition: string) => {
  res.writeHead(412, { "content-type": "application/xml" });
  res.end(
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>PreconditionFailed</Code><Message>At least one of the pre-conditions you specified did not hold</Message><Condition>${condition}</Condition></Error>`,
  );
};

const XML_ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };
const unescapeXml = (text: string) =>
  text.replace(/&(amp|lt|gt|quot|apos);/g, (_, name) => XML_ENTITIES[name] ?? "");
const escapeXml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => `&${Object.entries(XML_ENTITIES).find(([, v]) => v === c)?.[0]};`);

const readBody = async (req: IncomingMessage): Promise<string> => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
};

const noSuchKey = (res: ServerResponse, key: string) => {
  res.writeHead(404, { "content-type": "application/xml" });
  res.end(
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message><Key>${key}</Key></Error>`,
  );
};

export const startS3Server = async (bucket = "dogdriver-test"): Promise<S3TestServer> => {
  const directory = await mkdtemp(join(tmpdir(), "dogdriver-s3rver-"));
  const s3rver = new S3rver({
    address: "127.0.0.1",
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: bucket }],
  });
  const { port: backendPort } = await s3rver.run();
  const direct = new S3Client({
    endpoint: `http://127.0.0.1:${backendPort}`,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: CREDENTIALS,
  });

  const currentEtag = async (bucketName: string, key: string): Promise<string | undefined> => {
    try {
      return unquote((await direct.send(new HeadObjectCommand({ Bucket: bucketName, Key: key }))).ETag);
    } catch (error) {
      if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404)
        return undefined;
      throw error;
    }
  };

  const agent = new Agent({ keepAlive: true });
  const forward = (req: IncomingMessage, res: ServerResponse): Promise<void> =>
    new Promise((resolve, reject) => {
      const upstream = request(
        {
          host: "127.0.0.1",
          port: backendPort,
          method: req.method,
          path: req.url,
          headers: req.headers,
          agent,
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
          answer.on("end", resolve);
          answer.on("error", reject);
        },
      );
      upstream.on("error", reject);
      req.pipe(upstream);
    });

  // Per-key chains: a write waits for the previous write to the same key to finish.
  const chains = new Map<string, Promise<void>>();
  const serialized = (key: string, fn: () => Promise<void>): Promise<void> => {
    const run = (chains.get(key) ?? Promise.resolve()).then(fn, fn);
    const tail = run.catch(() => {});
    chains.set(key, tail);
    void tail.then(() => {
      if (chains.get(key) === tail) chains.delete(key);
    });
    return run;
  };

  const log: S3RequestLog[] = [];
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    res.on("finish", () =>
      log.push({ method: req.method ?? "", url: req.url ?? "", status: res.statusCode }),
    );
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const [, bucketName = "", ...keyParts] = url.pathname.split("/");
    const key = decodeURIComponent(keyParts.join("/"));
    const isObjectWrite =
      (req.method === "PUT" || req.method === "DELETE") &&
      key !== "" &&
      !url.searchParams.has("uploadId") &&
      !url.searchParams.has("partNumber");
    if (req.method === "GET" && key === "" && url.searchParams.get("list-type") === "2") {
      if (!(await s3rver.store.getBucket(bucketName))) return forward(req, res); // s3rver says NoSuchBucket
      const { objects } = await s3rver.store.listObjects(bucketName, {
        prefix: url.searchParams.get("prefix") ?? "",
      });
      const listed = objects.map((o) => ({
        key: o.key,
        size: o.size,
        etag: o.metadata.etag ?? "",
        lastModified: o.lastModifiedDate,
      }));
      return listObjectsV2(res, bucketName, url.searchParams, listed);
    }
    if (req.method === "POST" && key === "" && url.searchParams.has("delete")) {
      const body = await readBody(req);
      const keys = [...body.matchAll(/<Key>([^<]*)<\/Key>/g)].map((m) => unescapeXml(m[1] ?? ""));
      const quiet = /<Quiet>\s*true\s*<\/Quiet>/i.test(body);
      await Promise.all(
        keys.map((k) =>
          serialized(`${bucketName}/${k}`, async () => {
            await direct.send(new DeleteObjectCommand({ Bucket: bucketName, Key: k }));
          }),
        ),
      );
      res.writeHead(200, { "content-type": "application/xml" });
      res.end(
        `<?xml version="1.0" encoding="UTF-8"?>\n<DeleteResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${
          quiet ? "" : keys.map((k) => `<Deleted><Key>${escapeXml(k)}</Key></Deleted>`).join("")
        }</DeleteResult>`,
      );
      return;
    }
    // s3rver writes an object's body in place, then its metadata (the ETag) in a second file: a read in between
    // sees a torn body or a body with another version's ETag, which S3 never shows. Reads of a key therefore
    // wait for the write in progress, as S3's atomic PUT makes them.
    const isObjectRead = (req.method === "GET" || req.method === "HEAD") && key !== "";
    if (isObjectRead) return serialized(`${bucketName}/${key}`, () => forward(req, res));
    if (!isObjectWrite) return forward(req, res);
    return serialized(`${bucketName}/${key}`, async () => {
      const ifNoneMatch = req.headers["if-none-match"];
      const ifMatch = req.headers["if-match"];
      if (req.method === "PUT" && (ifNoneMatch !== undefined || ifMatch !== undefined)) {
        const etag = await currentEtag(bucketName, key);
        let refused = false;
        if (ifNoneMatch === "*" && etag !== undefined) {
          preconditionFailed(res, "If-None-Match");
          refused = true;
        } else if (ifMatch !== undefined && etag === undefined) {
          noSuchKey(res, key);
          refused = true;
        } else if (ifMatch !== undefined && ifMatch !== "*" && unquote(ifMatch) !== etag) {
          preconditionFailed(res, "If-Match");
          refused = true;
        }
        if (refused) {
          req.resume(); // drain the body so the client's connection stays usable
          return;
        }
      }
      await forward(req, res);
    });
  };

  const proxy = createServer((req, res) => {
    handle(req, res).catch((error) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
      res.end(String(error));
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  const endpoint = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;

  return {
    endpoint,
    bucket,
    env: {
      AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
      AWS_REGION: "us-east-1",
      AWS_ENDPOINT_URL_S3: endpoint,
      DOGDRIVER_S3_FORCE_PATH_STYLE: "1",
    },
    createBucket: async (name) => {
      await direct.send(new CreateBucketCommand({ Bucket: name }));
    },
    requests: () => [...log],
    close: async () => {
      proxy.closeAllConnections();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
      direct.destroy();
      agent.destroy();
      await s3rver.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
};
