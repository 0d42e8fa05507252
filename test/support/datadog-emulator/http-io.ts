import type { IncomingMessage, ServerResponse } from "node:http";
import { gunzipSync, inflateSync } from "node:zlib";

// Reading request bodies the way Datadog's intake does: Content-Encoding gzip/deflate undone, with a cap on the
// decompressed size so a compression bomb is a 413 and not an out-of-memory.

/** What a route answers; `body` is serialised as JSON. */
export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export class PayloadTooLarge extends Error {}
export class BadEncoding extends Error {}

/** The raw bytes of a request, stopping (and failing) past `limitBytes`. */
export const readRaw = (req: IncomingMessage, limitBytes: number): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limitBytes) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on("end", () =>
      tooLarge ? reject(new PayloadTooLarge(`${size} bytes`)) : resolve(Buffer.concat(chunks)),
    );
    req.on("error", reject);
  });

/** Undoes Content-Encoding; throws PayloadTooLarge when the result would exceed `maxDecodedBytes`. */
export const decode = (raw: Buffer, encoding: string | undefined, maxDecodedBytes: number): Buffer => {
  const options = { maxOutputLength: maxDecodedBytes };
  try {
    if (!encoding || encoding === "identity") return raw;
    if (encoding === "gzip") return gunzipSync(raw, options);
    if (encoding === "deflate") return inflateSync(raw, options);
  } catch (error) {
    if (error instanceof RangeError || (error as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE") {
      throw new PayloadTooLarge(`more than ${maxDecodedBytes} bytes once decompressed`);
    }
    throw new BadEncoding(`body is not valid ${encoding}`);
  }
  throw new BadEncoding(`unsupported Content-Encoding ${encoding}`);
};

export const parseJson = (bytes: Buffer): unknown => {
  if (bytes.length === 0) return undefined;
  return JSON.parse(bytes.toString("utf8"));
};

export const send = (res: ServerResponse, reply: Reply): void => {
  const text = reply.body === undefined ? "" : JSON.stringify(reply.body);
  res.writeHead(reply.status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
    ...reply.headers,
  });
  res.end(text);
};

/** Datadog's error body: `{"errors": ["..."]}`. */
export const errorReply = (status: number, ...errors: string[]): Reply => ({ status, body: { errors } });
