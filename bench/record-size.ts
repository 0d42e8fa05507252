import { readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { completedRecord } from "../src/aggregator/completed-record.js";
import { encodeRecord } from "../src/store/record-codec.js";
import type { RunRecord } from "../src/store/run-record.js";
import { benchWorkspace, CLI, startService, stopService } from "./runner-bench-support.js";

// How much the endpoints grow a stored run record (issue 26's target: at most 3 KB at 20 endpoints). The built
// CLI runs a real Molotov test against the sample service, hitting 25 REST routes of uneven traffic (weights
// 1/rank) with random ids, so the record keeps the top 20 endpoints and merges 5 into "other". The growth is the
// stored record's bytes minus the same record's without client.endpoints, as `run` writes it (pending) and as
// `aggregate` completes it (two server queries, a topology query and the APM server latency of the 20 endpoints,
// through the aggregator's own completedRecord).
// Run: npm run build && npx tsc -p bench/tsconfig.json && node .tmp/bench/bench/record-size.js

const ROUTES = [
  "GET /api/v1/products/%d",
  "GET /api/v1/products",
  "POST /api/v1/cart/items",
  "GET /api/v1/cart",
  "GET /api/v1/categories/%d/products",
  "DELETE /api/v1/cart/items/%d",
  "POST /api/v1/checkout",
  "GET /api/v1/orders/%d",
  "GET /api/v1/orders",
  "GET /api/v1/users/%d",
  "PUT /api/v1/users/%d/address",
  "GET /api/v1/search",
  "GET /api/v1/recommendations/%d",
  "POST /api/v1/reviews",
  "GET /api/v1/products/%d/reviews",
  "GET /api/v1/inventory/%d",
  "POST /api/v1/payments",
  "GET /api/v1/payments/%d",
  "GET /api/v1/shipping/quotes",
  "POST /api/v1/auth/login",
  "POST /api/v1/auth/refresh",
  "GET /api/v1/wishlist",
  "POST /api/v1/wishlist/items",
  "GET /api/v1/stores/%d",
  "GET /health",
];

const SCENARIO = `import os
import random
import molotov

ENDPOINT = os.environ["DOGDRIVER_ENDPOINT"]
ROUTES = ${JSON.stringify(ROUTES)}
WEIGHTS = [1.0 / (i + 1) for i in range(len(ROUTES))]

@molotov.scenario(weight=100)
async def shop(session):
    method, path = random.choices(ROUTES, WEIGHTS)[0].split(" ", 1)
    if "%d" in path:
        path = path % random.randint(1, 10**9)
    async with session.request(method, ENDPOINT + path) as resp:
        assert resp.status < 500, resp.status
`;

const bytes = (record: RunRecord) => Buffer.byteLength(encodeRecord(record));

const withoutEndpoints = (record: RunRecord): RunRecord => {
  const { endpoints: _, ...client } = record.client;
  return { ...record, schema: "dogdriver.run.v1", client };
};

const service = await startService(5);
const dir = await benchWorkspace(service.url, { duration: 5, workers: 4 });
try {
  await writeFile(join(dir, "test", "loadtest.py"), SCENARIO);
  await execa(process.execPath, [CLI, "run", "bench", "--quiet"], { cwd: dir });
  const [file] = (await readdir(join(dir, "store/runs/bench/local"))).filter((f) => f.endsWith(".json"));
  const stored = await readFile(join(dir, "store/runs/bench/local", file ?? ""), "utf8");
  const pending = JSON.parse(stored) as RunRecord;
  if (bytes(pending) !== Buffer.byteLength(stored))
    throw new Error("encodeRecord differs from the stored text");
  const named = (pending.client.endpoints ?? []).filter((e) => !e.other);
  const aggregated = completedRecord(
    pending,
    {
      server: { cpu_pct: 41.27, latency_ms: 23.918, topology_min: 4, topology_max: 4 },
      notes: {},
      topologyChanged: false,
    },
    Date.parse(pending.ended_at) + 900_000,
    { latencyMs: new Map(named.map((e, i) => [e.name, 3.5 + i * 1.731])) },
  );
  const rows = [
    ["pending (as `run` stores it)", pending],
    ["aggregated (server values, APM per endpoint)", aggregated],
  ] as const;
  console.log(`endpoints in the record: ${named.length} + other (${pending.client.requests} requests)`);
  console.log("| record | without endpoints | with endpoints | growth | growth if indented like the rest |");
  console.log("|---|---|---|---|---|");
  for (const [label, record] of rows) {
    const before = bytes(withoutEndpoints(record));
    const after = bytes(record);
    const indented = Buffer.byteLength(`${JSON.stringify(record, null, 2)}\n`);
    console.log(`| ${label} | ${before} B | ${after} B | +${after - before} B | +${indented - before} B |`);
  }
  const longest = Math.max(...named.map((e) => e.name.length));
  console.log(`longest endpoint name: ${longest} characters`);
} finally {
  await stopService(service);
  await rm(dir, { recursive: true, force: true });
}
