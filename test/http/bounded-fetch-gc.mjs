// Run as `node --expose-gc test/http/bounded-fetch-gc.mjs` by bounded-fetch.test.ts, against dist/: garbage is
// collected every 20 ms while each request is in flight, which is what makes Node 20's AbortSignal.any forget
// its timeout. Prints one JSON line per case.
import { createServer } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";

const { boundedFetchText } = await import(new URL("../../dist/http/bounded-fetch.js", import.meta.url).href);
const { readDeployedVersion } = await import(
  new URL("../../dist/runner/deployed-version.js", import.meta.url).href
);

const server = createServer((req, res) => {
  res.writeHead(200, { "content-type": "application/json" });
  // Trickle: one byte every 100 ms, for ever. Endless: as fast as the socket takes it, for ever.
  const chunk = req.url === "/endless" ? " ".repeat(64 * 1024) : " ";
  const timer = setInterval(() => res.write(chunk), req.url === "/endless" ? 1 : 100);
  req.socket.on("close", () => clearInterval(timer));
});
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const base = `http://127.0.0.1:${server.address().port}`;
const realClock = { sleep: (ms, signal) => sleep(ms, undefined, { signal }) };
// The version reader's 10 s, lived 20 times faster (its message still says 10 s).
const fastClock = { sleep: (ms, signal) => sleep(ms / 20, undefined, { signal }) };

const gc = setInterval(() => globalThis.gc(), 20);
const attempt = async (name, fn) => {
  const start = Date.now();
  const rssBefore = process.memoryUsage().rss;
  try {
    const value = await fn();
    return { name, ok: true, value, ms: Date.now() - start };
  } catch (error) {
    return {
      name,
      ok: false,
      kind: error.kind ?? error.code,
      message: error.message,
      ms: Date.now() - start,
      rssGrowthMb: Math.round((process.memoryUsage().rss - rssBefore) / 1e6),
    };
  }
};
const signal = new AbortController().signal;
const results = [
  await attempt("trickle", () =>
    boundedFetchText(`${base}/trickle`, { timeoutMs: 500, maxBytes: 1 << 20, clock: realClock, signal }),
  ),
  await attempt("endless", () =>
    boundedFetchText(`${base}/endless`, { timeoutMs: 30_000, maxBytes: 1 << 20, clock: realClock, signal }),
  ),
  await attempt("version-trickle", () => readDeployedVersion({ url: `${base}/trickle` }, signal, fastClock)),
  await attempt("version-endless", () => readDeployedVersion({ url: `${base}/endless` }, signal, realClock)),
];
clearInterval(gc);
for (const r of results) console.log(JSON.stringify(r));
server.closeAllConnections();
server.close();
