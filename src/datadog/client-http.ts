import { deflateSync, gzipSync } from "node:zlib";
import { client } from "@datadog/datadog-api-client";
import type { Transport } from "./transport.js";

// The official client's `httpApi`: its requests go through dogdriver's Transport, so provisioning gets the same
// timeout, answer cap, retries, rate-limit records and redacted errors as every other Datadog call.

export class ClientHttp implements client.HttpLibrary {
  constructor(private readonly transport: Transport) {}

  async send(request: client.RequestContext): Promise<client.ResponseContext> {
    const headers = { ...request.getHeaders() };
    const answer = await this.transport.send({
      method: request.getHttpMethod().toString(),
      url: new URL(request.getUrl()),
      headers,
      body: encode(request.getBody(), headers["Content-Encoding"]),
    });
    return new client.ResponseContext(answer.status, answer.headers, {
      text: async () => answer.body.toString("utf8"),
      binary: async () => answer.body,
    });
  }
}

// The client only asks for compression on metric submissions, which no longer go through it; kept so a body it
// marks as compressed is never sent plain.
const encode = (body: client.RequestBody, encoding: string | undefined): string | Buffer | undefined => {
  if (typeof body !== "string") return body as Buffer | undefined;
  if (encoding === "gzip") return gzipSync(body);
  if (encoding === "deflate") return deflateSync(body);
  return body;
};
