import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import type { Deps } from "../src/state/deps.js";
import { runKey } from "../src/store/keys.js";
import { mapOrdered } from "../src/store/map-ordered.js";
import { openStore } from "../src/store/open-store.js";
import { encodeRecord } from "../src/store/record-codec.js";
import type { RunRecord } from "../src/store/run-record.js";
import type { RunStore } from "../src/store/types.js";
import { startS3Server } from "../test/support/s3-server.js";

// How the store scales: writes through putRun (validated, compared, synced, renamed), then listing and
// reading 100,000 records in a file store, and a smaller set on the local S3 server (s3rver keeps one
// directory per object; its speed says little about AWS, but the number of requests does).
// Run: npx tsc -p bench/tsconfig.json && node .tmp/bench/bench/store-scale.js [records]

const TOTAL = Number(process.argv[2] ?? 100_000);
const PUT_SAMPLE = 5_000;
const S3_RECORDS = 2_000;
const SERVICES = ["api", "kinto", "web", "auth", "search"];
const ENVS = ["prod", "stage"];

const record = (i: number): RunRecord => ({
  schema: "dogdriver.run.v1",
  id: `01JD${String(i).padStart(22, "0")}`,
  service: SERVICES[i % SERVICES.length] ?? "api",
  env: ENVS[Math.floor(i / SERVICES.length) % ENVS.length] ?? "prod",
  version: `1.${Math.floor(i / 500)}.0`,
  source: "bench",
  test: "dogdriver",
  started_at: new Date(Date.parse("2024-01-01T00:00:00Z") + i * 60_000).toISOString(),
  ended_at: new Date(Date.parse("2024-01-01T00:01:00Z") + i * 60_000).toISOString(),
  state: "aggregated",
  client: {
    requests: 1200 + (i % 100),
    errors: i % 7,
    rps: 20,
    latency_ms: { p50: 40, p75: 55, p90: 70, p95: 80, p99: 120, max: 300, mean: 47 },
  },
  server: { latency_ms: 30, cpu_pct: 41 },
});

const deps = (
  cwd: string,
  env: Record<string, string> = {},
): Pick<Deps, "cwd" | "env" | "log" | "signal"> => ({
  cwd,
  env,
  log: { info: () => {}, warn: (m) => console.error(m), debug: () => {}, once: () => {} },
  signal: new AbortController().signal,
});

const timed = async <T>(label: string, count: number, fn: () => Promise<T>): Promise<T> => {
  const start = performance.now();
  const result = await fn();
  const ms = performance.now() - start;
  const rate = count > 0 ? ` (${Math.round((count / ms) * 1000).toLocaleString("en")}/s)` : "";
  console.log(`| ${label} | ${count.toLocaleString("en")} | ${(ms / 1000).toFixed(2)} s${rate} |`);
  return result;
};

const count = async (items: AsyncIterable<unknown>): Promise<number> => {
  let n = 0;
  for await (const _ of items) n++;
  return n;
};

const putAll = async (store: RunStore, records: RunRecord[]) => {
  for await (const _ of mapOrdered(records, 16, (r) => store.putRun(r))) {
  }
};

const fileBench = async () => {
  const dir = await mkdtemp(join(tmpdir(), "dogdriver-bench-"));
  const store = openStore(`file://${dir}`, deps(dir));
  console.log(
    `\nfile store, ${TOTAL.toLocaleString("en")} records (${SERVICES.length} services x ${ENVS.length} envs)\n`,
  );
  console.log("| operation | records | time |\n|---|---|---|");
  const sample = Array.from({ length: PUT_SAMPLE }, (_, i) => record(i));
  await timed("putRun, new records (16 in flight)", PUT_SAMPLE, () => putAll(store, sample));
  await timed("putRun, same records again (unchanged)", PUT_SAMPLE, () => putAll(store, sample));
  // The rest written directly: the same bytes putRun writes, without the per-write fsync.
  for (let i = PUT_SAMPLE; i < TOTAL; i += 1000) {
    await Promise.all(
      Array.from({ length: Math.min(1000, TOTAL - i) }, async (_, j) => {
        const r = record(i + j);
        const path = join(dir, runKey(r));
        await mkdir(dirname(path), { recursive: true });
        await writeFile(path, encodeRecord(r));
      }),
    );
  }
  const rssBefore = process.memoryUsage().rss;
  await timed("listRunKeys, everything", TOTAL, () => count(store.listRunKeys()));
  await timed("listRunKeys, one service/env", TOTAL / 10, () =>
    count(store.listRunKeys({ service: "kinto", env: "prod" })),
  );
  await timed("listRunKeys, one env across services", TOTAL / 2, () =>
    count(store.listRunKeys({ env: "stage" })),
  );
  await timed("listRuns (read + validate), everything", TOTAL, () => count(store.listRuns()));
  console.log(`\nRSS growth while listing: ${Math.round((process.memoryUsage().rss - rssBefore) / 1e6)} MB`);
  await rm(dir, { recursive: true, force: true });
};

const s3Bench = async () => {
  const server = await startS3Server();
  const store = openStore(`s3://${server.bucket}/bench`, deps("/", server.env));
  console.log(`\nS3 store on the local s3rver test server, ${S3_RECORDS.toLocaleString("en")} records\n`);
  console.log("| operation | records | time |\n|---|---|---|");
  const records = Array.from({ length: S3_RECORDS }, (_, i) => record(i));
  await timed("putRun, new records (16 in flight)", S3_RECORDS, () => putAll(store, records));
  await timed("putRun, same records again (unchanged)", S3_RECORDS, () => putAll(store, records));
  const before = server.requests().length;
  await timed("listRunKeys, everything", S3_RECORDS, () => count(store.listRunKeys()));
  const lists = server.requests().length - before;
  const beforeRead = server.requests().length;
  await timed("listRuns (read + validate), everything", S3_RECORDS, () => count(store.listRuns()));
  const reads = server.requests().slice(beforeRead);
  const gets = reads.filter((r) => r.method === "GET" && !r.url.includes("list-type=2")).length;
  console.log(`\nListObjectsV2 requests for ${S3_RECORDS} keys: ${lists} (1,000 keys a page)`);
  console.log(`listRuns: ${gets} GETs and ${reads.length - gets} listings for ${S3_RECORDS} records`);
  store.close?.();
  await server.close();
};

await fileBench();
await s3Bench();
