import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { reportCommand } from "../../src/report/report-command.js";
import type { Comparison } from "../../src/verdicts/types.js";
import { service, smokeTest, type Workspace, workspace } from "../runner/runner-fixtures.js";
import { type HttpService, startHttpService } from "../support/http-service.js";

// Verdicts per endpoint, end to end: the real Molotov against a local shop whose cart slows from 20 to 30 ms in
// the next release while its items stay at 20 ms; then the HTML page, looked at in a real headless Chromium.

const SHOP_SCENARIO = `import os
import random
import molotov

ENDPOINT = os.environ["DOGDRIVER_ENDPOINT"]

@molotov.scenario(weight=100)
async def shop(session):
    async with session.get(ENDPOINT + "/items/%d" % random.randint(1, 100000)) as resp:
        assert resp.status < 500, resp.status
    async with session.post(ENDPOINT + "/api/cart", json={"item": 1}) as resp:
        assert resp.status < 500, resp.status
`;

// A system Chromium (scripts/install.sh installs Debian's), as root and on a closed network: no sandbox, nothing in
// the background that would call out (the machine's notes: /work/.library/env).
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** The Chromium to drive: DOGDRIVER_CHROMIUM, else Debian's or Ubuntu's (scripts/install.sh installs it). */
const chromiumPath = (): string => {
  const found = [process.env.DOGDRIVER_CHROMIUM, "/usr/bin/chromium", "/usr/bin/chromium-browser"].find(
    (path) => path !== undefined && path !== "" && existsSync(path),
  );
  if (found === undefined)
    throw new Error("no Chromium: run ./scripts/install.sh, or set DOGDRIVER_CHROMIUM to a Chromium's path");
  return found;
};

let ws: Workspace;
let shop: HttpService;

beforeAll(async () => {
  ws = await workspace();
  shop = await startHttpService({ delayMs: 20, routeDelaysMs: { "POST /api/cart": 20 }, version: "1.0.0" });
  await ws.testDir("shop-test", smokeTest({ duration: 1, workers: 8 }), { "loadtest.py": SHOP_SCENARIO });
  await ws.config({
    store: "file://./store",
    source: "ci",
    services: [service("shop", shop.url, "./shop-test")],
  });
  for (const [version, cartMs] of [
    ["1.0.0", 20],
    ["1.1.0", 30],
  ] as const) {
    shop.setVersion(version);
    shop.setRouteDelay("POST /api/cart", cartMs);
    for (let i = 0; i < 5; i++) expect((await ws.run({ services: ["shop"] })).exit).toBe(0);
  }
}, 120_000);
afterAll(async () => {
  await Promise.all([shop.close(), ws.cleanup()]);
});

describe("verdicts per endpoint, with the real Molotov", () => {
  it("after 5 + 5 runs: the cart regressed, the items did not, every item id folded into one endpoint", async () => {
    const deps = ws.deps();
    await reportCommand({ json: true }, deps);
    const { comparisons } = JSON.parse(deps.stdout.text()) as { comparisons: Comparison[] };
    const endpoints = new Set(comparisons.flatMap((c) => (c.endpoint === undefined ? [] : [c.endpoint])));
    expect(endpoints).toEqual(new Set(["GET /items/{id}", "POST /api/cart"]));
    const of = (endpoint: string, metric: string) =>
      comparisons.find((c) => c.endpoint === endpoint && c.metric === metric) as Comparison;
    // The cart regressed: its median, or its p95 (from a busy machine one of them may stay undecided).
    const cart = comparisons.filter((c) => c.endpoint === "POST /api/cart");
    const why = JSON.stringify(cart.map((c) => [c.metric, c.verdict, c.change_pct, c.reason]));
    expect(
      cart.filter((c) => c.metric.startsWith("client.latency_ms.") && c.verdict === "regression").length,
      why,
    ).toBeGreaterThanOrEqual(1);
    expect(of("POST /api/cart", "client.latency_ms.p50").candidate.version).toBe("1.1.0");
    // Its estimate, on whichever of the two has one (a p95 left undecided by too few runs has none).
    const estimates = cart.flatMap((c) =>
      c.metric.startsWith("client.latency_ms.p") && c.change_pct !== null ? [c.change_pct] : [],
    );
    expect(Math.max(...estimates), why).toBeGreaterThan(25);
    expect(["no_change", "insufficient_data"]).toContain(
      of("GET /items/{id}", "client.latency_ms.p95").verdict,
    );
    expect(
      comparisons.filter((c) => c.endpoint === "GET /items/{id}" && c.metric.startsWith("client.latency")),
    ).not.toContainEqual(expect.objectContaining({ verdict: "regression" }));
    // The table says where.
    const table = ws.deps();
    await reportCommand({}, table);
    expect(table.stdout.text()).toMatch(
      /Endpoints that moved[^\n]*\n(?: {2}[^\n]*\n)* {2}shop\/test ci POST \/api\/cart client\.latency_ms\.p\d\d: ▲ regression/,
    );
  });

  it("draws the service's chart and each endpoint's in a real browser, with no console error", async () => {
    const dir = await mkdtemp(join(tmpdir(), "dogdriver-html-"));
    const page = join(dir, "report.html");
    try {
      await reportCommand({ html: page }, ws.deps());
      const browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
      try {
        const tab = await browser.newPage();
        const problems: string[] = [];
        tab.on("console", (m) => {
          if (m.type() === "error" || m.type() === "warning") problems.push(m.text());
        });
        tab.on("pageerror", (e) => problems.push(e.message));
        await tab.goto(`file://${page}`);
        const charts = await tab.$$eval("svg", (svgs) =>
          svgs.map((svg) => {
            const box = svg.getBoundingClientRect();
            return {
              label: svg.getAttribute("aria-label"),
              width: box.width,
              height: box.height,
              dots: svg.querySelectorAll("circle").length,
            };
          }),
        );
        expect(charts.map((c) => c.label)).toEqual([
          "p95 per run, shop test",
          "p95 per run, GET /items/{id}",
          "p95 per run, POST /api/cart",
        ]);
        for (const chart of charts) {
          expect(chart.width).toBeGreaterThan(100);
          expect(chart.height).toBeGreaterThan(50);
          expect(chart.dots).toBeGreaterThanOrEqual(10);
        }
        expect(await tab.locator("h3", { hasText: "Endpoints" }).count()).toBe(1);
        expect(await tab.locator(".endpoint", { hasText: "regression" }).count()).toBeGreaterThanOrEqual(1);
        expect(problems).toEqual([]);
      } finally {
        await browser.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
