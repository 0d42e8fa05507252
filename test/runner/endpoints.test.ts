import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runKey } from "../../src/store/keys.js";
import type { RunRecord } from "../../src/store/run-record.js";
import { type HttpService, startHttpService } from "../support/http-service.js";
import { service, smokeTest, type Workspace, workspace } from "./runner-fixtures.js";

// Real molotov against a local service with two routes of different speeds: items by id, and the cart.

const SHOP_SCENARIO = `import os
import random
import molotov

ENDPOINT = os.environ["DOGDRIVER_ENDPOINT"]

@molotov.scenario(weight=100)
async def shop(session):
    async with session.get(ENDPOINT + "/items/%d" % random.randint(1, 100000)) as resp:
        assert resp.status < 500, resp.status
    async with session.get(ENDPOINT + "/items/%d/" % random.randint(1, 100000)) as resp:
        assert resp.status < 500, resp.status
    async with session.post(ENDPOINT + "/api/cart", json={"item": 1}) as resp:
        assert resp.status < 500, resp.status
`;

describe("endpoints in the run record", () => {
  let ws: Workspace;
  let shop: HttpService;
  beforeAll(async () => {
    ws = await workspace();
    shop = await startHttpService({ delayMs: 10, routeDelaysMs: { "POST /api/cart": 40 } });
  });
  afterAll(async () => {
    await Promise.all([shop.close(), ws.cleanup()]);
  });

  it("gives GET /items/{id} (every id folded into one) and POST /api/cart, each with its own latency", async () => {
    await ws.testDir("shop-test", smokeTest({ duration: 2 }), { "loadtest.py": SHOP_SCENARIO });
    await ws.config({ store: "file://./store", services: [service("shop", shop.url, "./shop-test")] });
    const deps = ws.deps();
    const { exit } = await ws.run({ all: true, json: true }, deps);
    expect(deps.stderr.text()).not.toContain("FAILED");
    expect(exit).toBe(0);
    const record = JSON.parse(deps.stdout.text()) as RunRecord;
    expect(record.schema).toBe("dogdriver.run.v2");
    const endpoints = record.client.endpoints ?? [];
    expect(endpoints.map((e) => e.name)).toEqual(["GET /items/{id}", "POST /api/cart"]);
    const [items, cart] = endpoints;
    // Two item requests per cart request, every one of them counted in one of the two.
    expect(items?.requests).toBe(2 * (cart?.requests ?? 0));
    expect(endpoints.reduce((n, e) => n + e.requests, 0)).toBe(record.client.requests);
    expect(record.client.requests).toBe(shop.requests());
    expect(endpoints.map((e) => e.errors)).toEqual([0, 0]);
    // Each endpoint's latency is its route's delay plus a local round trip.
    expect(items?.latency_ms.p50).toBeGreaterThanOrEqual(10);
    expect(items?.latency_ms.p50).toBeLessThan(30);
    expect(cart?.latency_ms.p50).toBeGreaterThanOrEqual(40);
    expect(cart?.latency_ms.p50).toBeLessThan(60);
    for (const e of endpoints) {
      const { p50, p95, p99 } = e.latency_ms;
      expect([p50, p95, p99]).toEqual([p50, p95, p99].map(Number).sort((a, b) => a - b));
    }
    // As stored: each endpoint on one line.
    const stored = await readFile(join(ws.dir, "store", runKey(record)), "utf8");
    expect(stored).toContain(`\n      {"name":"GET /items/{id}","requests":${items?.requests},`);
    expect(JSON.parse(stored)).toEqual(record);
  });
});
