import { setMaxListeners } from "node:events";
import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { DogdriverError } from "../errors.js";
import { mapOrdered } from "./map-ordered.js";
import { parseS3Url, s3ObjectUrl } from "./s3-settings.js";
import {
  type Blob,
  type ObjectBackend,
  StoreConflictError,
  type StoredBody,
  type WriteCondition,
} from "./types.js";

// The s3:// backend. S3 PUTs are atomic (a reader sees the old or the new object), conditional writes use
// If-None-Match / If-Match (AWS since 2024, MinIO, R2), listings page through ListObjectsV2.

// S3 answers in tens of milliseconds per GET: this many in flight reads 100,000 records in minutes, and stays
// under the SDK's default of 50 sockets per host.
const READ_CONCURRENCY = 32;
// Records read but waiting behind a slow GET at the head of the (key-ordered) window: while they wait, new
// GETs still start.
const READ_LOOKAHEAD = 4 * READ_CONCURRENCY;

interface SdkError {
  name?: string;
  message?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number };
}

const statusOf = (error: unknown) => (error as SdkError)?.$metadata?.httpStatusCode;

export interface S3BackendInput {
  url: string;
  client: S3Client;
  /** Credential values scrubbed from every message. */
  secrets: readonly string[];
  endpoint?: string;
  signal?: AbortSignal;
  /** Keys per ListObjectsV2 page (S3's default and maximum: 1,000); tests use small pages. */
  pageSize?: number;
}

export const createS3Backend = ({
  url,
  client,
  secrets,
  endpoint,
  signal,
  pageSize,
}: S3BackendInput): ObjectBackend => {
  const location = parseS3Url(url);
  const { bucket, prefix } = location;
  const describe = (key: string) => s3ObjectUrl(location, key);
  const scrub = (text: string) => secrets.reduce((out, secret) => out.split(secret).join("***"), text);
  // The SDK adds one abort listener per request in flight; on the caller's signal, 11 concurrent requests
  // would print a MaxListenersExceededWarning. Requests listen on this signal, which follows the caller's.
  const requests = new AbortController();
  setMaxListeners(0, requests.signal);
  const follow = () => requests.abort(signal?.reason);
  if (signal?.aborted) follow();
  else signal?.addEventListener("abort", follow, { once: true });
  const options = { abortSignal: requests.signal };

  // Every SDK failure becomes one line naming the object and what went wrong; no stack, no request dump.
  const storeError = (key: string, doing: string, error: unknown): DogdriverError => {
    if (error instanceof DogdriverError) return error;
    const e = error as SdkError;
    if (requests.signal.aborted)
      return new DogdriverError("interrupted", `${describe(key)}: ${doing} interrupted`);
    const status = statusOf(error);
    let why = `${e?.name ?? "Error"}${status ? ` (HTTP ${status})` : ""}: ${e?.message ?? String(error)}`;
    if (e?.name === "NoSuchBucket") why = `bucket "${bucket}" does not exist`;
    else if (e?.name === "CredentialsProviderError")
      why = "no AWS credentials (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE)";
    else if (e?.code === "ECONNREFUSED" || e?.name === "TimeoutError")
      why = `cannot reach ${endpoint ?? "S3"} (${e.code ?? e.name})`;
    return new DogdriverError("store", scrub(`${describe(key)}: cannot ${doing}: ${why}`));
  };

  const get = async (key: string): Promise<Blob | undefined> => {
    try {
      const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: prefix + key }), options);
      return { body: (await out.Body?.transformToString()) ?? "", etag: out.ETag ?? "" };
    } catch (error) {
      if (
        (error as SdkError).name === "NoSuchKey" ||
        (statusOf(error) === 404 && (error as SdkError).name !== "NoSuchBucket")
      )
        return undefined;
      throw storeError(key, "read", error);
    }
  };

  const put = async (key: string, body: string, condition?: WriteCondition): Promise<string> => {
    try {
      const out = await client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: prefix + key,
          Body: body,
          ContentType: "application/json",
          ...(condition && "ifNoneMatch" in condition ? { IfNoneMatch: "*" } : {}),
          ...(condition && "ifMatch" in condition ? { IfMatch: condition.ifMatch } : {}),
        }),
        options,
      );
      return out.ETag ?? "";
    } catch (error) {
      // 412: the condition failed; 409: a concurrent conditional write won; 404: If-Match on a deleted object.
      const status = statusOf(error);
      if (condition && (status === 412 || status === 409 || (status === 404 && "ifMatch" in condition)))
        throw new StoreConflictError(key);
      throw storeError(key, "write", error);
    }
  };

  const del = async (key: string): Promise<void> => {
    try {
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: prefix + key }), options);
    } catch (error) {
      if (statusOf(error) !== 404 || (error as SdkError).name === "NoSuchBucket")
        throw storeError(key, "delete", error);
    }
  };

  // DeleteObjects takes at most 1,000 keys per request and answers 200 with per-key errors in the body.
  const deleteMany = async (keys: readonly string[]): Promise<void> => {
    for (let start = 0; start < keys.length; start += 1000) {
      const chunk = keys.slice(start, start + 1000);
      let out: { Errors?: { Key?: string; Code?: string; Message?: string }[] };
      try {
        out = await client.send(
          new DeleteObjectsCommand({
            Bucket: bucket,
            Delete: { Objects: chunk.map((key) => ({ Key: prefix + key })), Quiet: true },
          }),
          options,
        );
      } catch (error) {
        throw storeError(chunk[0] ?? "", "delete", error);
      }
      const failed = (out.Errors ?? []).filter((e) => e.Code !== "NoSuchKey");
      if (failed.length > 0) {
        const first = failed[0];
        throw storeError(
          (first?.Key ?? "").slice(prefix.length),
          "delete",
          new Error(`${failed.length} of ${chunk.length} not deleted (${first?.Code}: ${first?.Message})`),
        );
      }
    }
  };

  // One ListObjectsV2 page after another (at most 1,000 keys each) until the listing is complete.
  async function* pages(listPrefix: string, delimiter?: string) {
    let token: string | undefined;
    do {
      let page: {
        Contents?: { Key?: string }[];
        CommonPrefixes?: { Prefix?: string }[];
        IsTruncated?: boolean;
        NextContinuationToken?: string;
      };
      try {
        page = await client.send(
          new ListObjectsV2Command({
            Bucket: bucket,
            Prefix: prefix + listPrefix,
            ...(delimiter ? { Delimiter: delimiter } : {}),
            ...(pageSize ? { MaxKeys: pageSize } : {}),
            ...(token ? { ContinuationToken: token } : {}),
          }),
          options,
        );
      } catch (error) {
        throw storeError(listPrefix, "list", error);
      }
      yield page;
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async function* listPages(listPrefix: string): AsyncGenerator<string[]> {
    for await (const page of pages(listPrefix)) {
      const keys = (page.Contents ?? []).flatMap((item) => (item.Key ? [item.Key.slice(prefix.length)] : []));
      if (keys.length > 0) yield keys;
    }
  }

  // Without an index there is one GET per record: READ_CONCURRENCY of them in flight, across page boundaries
  // (the next ListObjectsV2 page is fetched while the GETs of this one run), and a slow GET does not stop
  // the others from starting (READ_LOOKAHEAD).
  async function* readBodies(keyPages: AsyncIterable<string[]>): AsyncGenerator<StoredBody[]> {
    async function* keys() {
      for await (const page of keyPages) for (const key of page) yield key;
    }
    const read = async (key: string): Promise<StoredBody> => ({ key, body: (await get(key))?.body });
    for await (const body of mapOrdered(keys(), READ_CONCURRENCY, read, READ_LOOKAHEAD)) yield [body];
  }

  async function* children(listPrefix: string): AsyncGenerator<string> {
    const start = prefix.length + listPrefix.length;
    for await (const page of pages(listPrefix, "/")) {
      for (const common of page.CommonPrefixes ?? []) if (common.Prefix) yield common.Prefix.slice(start, -1);
    }
  }

  return {
    url: s3ObjectUrl(location, ""),
    describe,
    get,
    put,
    delete: del,
    deleteMany,
    listPages,
    readBodies,
    children,
    close: () => {
      signal?.removeEventListener("abort", follow);
      client.destroy();
    },
  };
};
