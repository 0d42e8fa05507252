import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";

// A small HTTP service with a known latency: the target of the runner's tests, benchmarks and `dogdriver demo`.
// Every path answers after `delayMs` or its route's own delay (or never, under /hang); /__version__ answers at
// once, Dockerflow style.
// /__stats__ reports how long answers were really held (a 20 ms timer fires a little later, more so on a busy
// machine): the benchmarks compare the client's numbers with that, not with the nominal delay.

/** How /__version__ answers: a JSON document, a body that is not JSON, or a dropped connection. */
export type VersionMode = "ok" | "malformed" | "down";

export interface SampleServiceOptions {
  /** Delay before every answer except /__version__ (default 0). */
  delayMs?: number;
  /** What /__version__ reports in its `version` field (default "1.0.0"). */
  version?: string;
  /** Share of answers that are HTTP 500, 0..1, spread evenly (every 10th at 0.1). */
  errorRate?: number;
  /** Port on 127.0.0.1 (default: a free one). */
  port?: number;
  /**
   * Delays of their own for some routes, as "METHOD /path-prefix" -> ms ("POST /api/cart": 30): a service whose
   * endpoints differ, for per-endpoint results. The longest matching prefix wins; other paths take `delayMs`.
   */
  routeDelaysMs?: Record<string, number>;
}

export interface SampleService {
  readonly url: string;
  readonly port: number;
  setDelay(ms: number): void;
  /** Sets one route's own delay ("POST /api/cart"), see routeDelaysMs. */
  setRouteDelay(route: string, ms: number): void;
  setVersion(version: string): void;
  setVersionMode(mode: VersionMode): void;
  setErrorRate(rate: number): void;
  /** Requests answered or being answered, /__version__ excluded. */
  requests(): number;
  close(): Promise<void>;
}

/** Starts the service on 127.0.0.1 and resolves once it listens. */
export const startSampleService = async (options: SampleServiceOptions = {}): Promise<SampleService> => {
  let delayMs = options.delayMs ?? 0;
  let version = options.version ?? "1.0.0";
  let versionMode: VersionMode = "ok";
  let errorRate = options.errorRate ?? 0;
  let count = 0;
  const routeDelays = new Map(Object.entries(options.routeDelaysMs ?? {}));
  const delayOf = (req: IncomingMessage): number => {
    const line = `${req.method} ${req.url ?? "/"}`;
    let best: [string, number] | undefined;
    for (const [route, ms] of routeDelays)
      if (line.startsWith(route) && (best === undefined || route.length > best[0].length)) best = [route, ms];
    return best?.[1] ?? delayMs;
  };
  // The last HOLD_SAMPLES hold times, for /__stats__ (bounded: the service may run for hours in the demo).
  const HOLD_SAMPLES = 50_000;
  let holds: number[] = [];

  const answerStats = (req: IncomingMessage, res: ServerResponse) => {
    const sorted = [...holds].sort((a, b) => a - b);
    const body = {
      requests: count,
      hold_ms_p50: sorted.length ? sorted[Math.floor((sorted.length - 1) / 2)] : null,
    };
    if (req.url?.includes("reset")) holds = [];
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  };

  const answerVersion = (req: IncomingMessage, res: ServerResponse) => {
    if (versionMode === "down") {
      req.socket.destroy();
      return;
    }
    const body =
      versionMode === "malformed"
        ? "<html>not the version</html>"
        : JSON.stringify({ version, source: "https://example.com/sample", commit: "0000000", build: "" });
    res.writeHead(200, { "content-type": versionMode === "ok" ? "application/json" : "text/html" });
    res.end(body);
  };

  const server = createServer((req, res) => {
    if (req.url?.startsWith("/__version__")) return answerVersion(req, res);
    if (req.url?.startsWith("/__stats__")) return answerStats(req, res);
    const arrivedAt = performance.now();
    count += 1;
    if (req.url?.startsWith("/hang")) return; // never answers: for the runner's timeout path
    // Deterministic spread: the n-th request fails when floor(n * rate) steps up.
    const fail = Math.floor(count * errorRate) > Math.floor((count - 1) * errorRate);
    const answer = () => {
      res.writeHead(fail ? 500 : 200, { "content-type": "application/json" });
      res.end(fail ? '{"error":"injected"}' : '{"ok":true}');
      if (holds.length < HOLD_SAMPLES) holds.push(performance.now() - arrivedAt);
    };
    const delay = delayOf(req);
    if (delay > 0) setTimeout(answer, delay);
    else answer();
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    setDelay: (ms) => {
      delayMs = ms;
    },
    setRouteDelay: (route, ms) => {
      routeDelays.set(route, ms);
    },
    setVersion: (v) => {
      version = v;
    },
    setVersionMode: (mode) => {
      versionMode = mode;
    },
    setErrorRate: (rate) => {
      errorRate = rate;
    },
    requests: () => count,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};
