import type { ServerResponse } from "node:http";

// ListObjectsV2 for the test S3 server. s3rver lists keys in directory order (not S3's byte order), and its
// continuation tokens use DES, which OpenSSL 3 (Node 18+) refuses: any listing past one page fails with 500.
// This answers list requests from s3rver's own object store the way S3 does: keys in UTF-8 byte order,
// Delimiter grouping into CommonPrefixes, MaxKeys counting both, opaque continuation tokens, StartAfter.

export interface ListedObject {
  key: string;
  size: number;
  etag: string;
  lastModified: Date;
}

const xml = (text: string) =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

interface Token {
  after: string;
  /** The last page ended on this common prefix: every key under it was already summarized. */
  skipPrefix?: string;
}

export const listObjectsV2 = (
  res: ServerResponse,
  bucket: string,
  query: URLSearchParams,
  all: readonly ListedObject[],
): void => {
  const prefix = query.get("prefix") ?? "";
  const delimiter = query.get("delimiter") ?? "";
  const maxKeys = Math.min(Number(query.get("max-keys") ?? 1000), 1000);
  const tokenText = query.get("continuation-token");
  const token: Token | undefined = tokenText
    ? (JSON.parse(Buffer.from(tokenText, "base64url").toString()) as Token)
    : undefined;
  const after = token?.after ?? query.get("start-after") ?? "";

  const contents: ListedObject[] = [];
  const prefixes: string[] = [];
  let truncated = false;
  let last: Token | undefined;
  for (const object of [...all].sort((a, b) => byteOrder(a.key, b.key))) {
    if (!object.key.startsWith(prefix) || byteOrder(object.key, after) <= 0) continue;
    if (token?.skipPrefix && object.key.startsWith(token.skipPrefix)) continue;
    const cut = delimiter ? object.key.indexOf(delimiter, prefix.length) : -1;
    const common = cut === -1 ? undefined : object.key.slice(0, cut + delimiter.length);
    if (common !== undefined && prefixes.at(-1) === common) continue;
    if (contents.length + prefixes.length >= maxKeys) {
      truncated = true;
      break;
    }
    if (common !== undefined) {
      prefixes.push(common);
      last = { after: common, skipPrefix: common };
    } else {
      contents.push(object);
      last = { after: object.key };
    }
  }

  const next = truncated && last ? Buffer.from(JSON.stringify(last)).toString("base64url") : undefined;
  const body = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">',
    `<Name>${xml(bucket)}</Name><Prefix>${xml(prefix)}</Prefix>`,
    delimiter ? `<Delimiter>${xml(delimiter)}</Delimiter>` : "",
    `<MaxKeys>${maxKeys}</MaxKeys><KeyCount>${contents.length + prefixes.length}</KeyCount>`,
    `<IsTruncated>${truncated}</IsTruncated>`,
    tokenText ? `<ContinuationToken>${xml(tokenText)}</ContinuationToken>` : "",
    next ? `<NextContinuationToken>${next}</NextContinuationToken>` : "",
    ...contents.map(
      (o) =>
        `<Contents><Key>${xml(o.key)}</Key><LastModified>${o.lastModified.toISOString()}</LastModified><ETag>${xml(o.etag)}</ETag><Size>${o.size}</Size><StorageClass>STANDARD</StorageClass></Contents>`,
    ),
    ...prefixes.map((p) => `<CommonPrefixes><Prefix>${xml(p)}</Prefix></CommonPrefixes>`),
    "</ListBucketResult>",
  ].join("");
  res.writeHead(200, { "content-type": "application/xml" });
  res.end(body);
};
