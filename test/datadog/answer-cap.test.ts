import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createDatadog } from "../../src/datadog/client.js";
import { DatadogError } from "../../src/datadog/datadog-error.js";
import { DEFAULT_MAX_ANSWER_BYTES } from "../../src/datadog/settings.js";
import type { DatadogApi, DatadogSettings } from "../../src/datadog/types.js";
import { testDeps } from "../support/deps.js";

// A hostile or broken Datadog (a proxy's page, an endless body, a compressed bomb, JSON of another shape): every
// answer is read at most maxAnswerBytes deep, and each case is one clear DatadogError naming the operation, with
// neither the body nor a key in it. The same cap holds for the official client's calls (provision).

const API_KEY = "api-key-0123456789abcdef";
const APP_KEY = "app-key-fedcba9876543210";

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
let handle: Handler;
let sentBytes = 0;
let requests = 0;
const server = createServer((req, res) => {
  requests += 1;
  req.resume();
  handle(req, res);
});
let url: string;

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  sentBytes = 0;
  requests = 0;
});

const client = (more: Partial<DatadogSettings> = {}): DatadogApi =>
  createDatadog(
    {
      apiKey: API_KEY,
      appKey: APP_KEY,
      site: "datadoghq.eu",
      baseUrl: url,
      timeoutMs: 10_000,
      maxRetries: 3,
      retryBaseMs: 10,
      ...more,
    },
    testDeps({ cwd: process.cwd() }),
  );

const failure = async (promise: Promise<unknown>): Promise<DatadogError> => {
  const error = await promise.then(
    () => new Error("expected a failure"),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DatadogError);
  const message = `${(error as DatadogError).message} ${(error as DatadogError).details.join(" ")}`;
  expect(message).not.toContain(API_KEY);
  expect(message).not.toContain(APP_KEY);
  return error as DatadogError;
};

/** An answer that never ends: 64 KiB chunks of JSON-looking text until the client hangs up. */
const endless: Handler = (_req, res) => {
  res.writeHead(200, { "content-type": "application/json" });
  const chunk = Buffer.alloc(64 * 1024, "[");
  const pump = () => {
    while (!res.destroyed && sentBytes < 1024 * 1024 * 1024) {
      sentBytes += chunk.length;
      if (!res.write(chunk)) return void res.once("drain", pump);
    }
  };
  res.on("close", () => res.destroy());
  pump();
};

const scalar = (api: DatadogApi) =>
  api.queryScalar(1_700_000_000_000, 1_700_000_600_000, [{ name: "rps", query: "avg:rps{*}" }]);

describe("answer size cap", () => {
  it("stops reading an endless answer at the default cap, once, without a retry", async () => {
    handle = endless;
    const error = await failure(scalar(client()));
    expect(error.message).toBe(
      `Datadog's answer while querying metrics (scalar) is larger than ${DEFAULT_MAX_ANSWER_BYTES} bytes for site datadoghq.eu (through DOGDRIVER_DD_URL ${url}); dogdriver stopped reading it`,
    );
    expect(error.status).toBeUndefined();
    expect(requests).toBe(1);
    // The download was cancelled near the cap (socket buffers aside), not read to the end.
    expect(sentBytes).toBeLessThan(DEFAULT_MAX_ANSWER_BYTES + 16 * 1024 * 1024);
  });

  it("counts the decoded bytes: a small gzip of a large answer stops at the cap", async () => {
    const bomb = gzipSync(Buffer.alloc(8 * 1024 * 1024, " "));
    expect(bomb.length).toBeLessThan(64 * 1024);
    handle = (_req, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip" });
      res.end(bomb);
    };
    const error = await failure(scalar(client({ maxAnswerBytes: 1024 * 1024 })));
    expect(error.message).toContain("is larger than 1048576 bytes");
  });

  it("an answer under the cap is read as usual", async () => {
    handle = (_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(
        JSON.stringify({ data: { attributes: { columns: [{ name: "rps", type: "number", values: [4] }] } } }),
      );
    };
    await expect(scalar(client({ maxAnswerBytes: 200 }))).resolves.toEqual({ values: { rps: 4 } });
  });

  it("holds for the official client's calls too (provision's dashboards)", async () => {
    handle = endless;
    const error = await failure(client({ maxAnswerBytes: 256 * 1024 }).listDashboards());
    expect(error.message).toContain("while listing dashboards is larger than 262144 bytes");
    expect(requests).toBe(1);
  }, 30_000);
});

describe("garbled answers", () => {
  const answer =
    (body: string, status = 200): Handler =>
    (_req, res) => {
      res.writeHead(status, { "content-type": "text/html" });
      res.end(body);
    };

  it("a proxy's HTML page instead of JSON: a clear error, neither the page nor a key in it", async () => {
    handle = answer(`<html><body>\u001b[2J login as ${API_KEY}</body></html>`);
    const error = await failure(scalar(client()));
    expect(error.message).toBe(
      `Datadog's answer while querying metrics (scalar) for site datadoghq.eu (through DOGDRIVER_DD_URL ${url}) is not readable: not JSON (64 characters)`,
    );
    expect(error.status).toBeUndefined();
  });

  it("JSON of another shape", async () => {
    handle = answer(
      JSON.stringify({ data: { attributes: { times: [1], series: "all of them", values: [] } } }),
    );
    const timeseries = client().queryTimeseries(1_700_000_000_000, 1_700_000_600_000, [
      { name: "rps", query: "avg:rps{*}" },
    ]);
    expect((await failure(timeseries)).message).toContain(
      "is not readable: data.attributes.series or .values is not a list",
    );
    handle = answer(
      JSON.stringify({ data: { attributes: { columns: [{ name: "rps", type: "number", values: ["9"] }] } } }),
    );
    expect((await failure(scalar(client()))).message).toContain(
      "is not readable: a number column's values is not a list of numbers",
    );
  });

  it("a catalog page whose data is not a list", async () => {
    handle = answer(JSON.stringify({ data: { evil: true } }));
    const error = await failure(client().listCatalog(["service"]));
    expect(error.message).toContain("while listing the Software Catalog");
    expect(error.message).toContain("is not readable: data is not a list");
  });
});
