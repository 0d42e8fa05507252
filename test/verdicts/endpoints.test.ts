import { describe, expect, it } from "vitest";
import type { RunRecord } from "../../src/store/run-record.js";
import { compareReleases } from "../../src/verdicts/compare-releases.js";
import { holmCorrected } from "../../src/verdicts/endpoint-family.js";
import { releaseVerdicts } from "../../src/verdicts/release-series.js";
import type { Comparison } from "../../src/verdicts/types.js";
import { verdictEvent } from "../../src/verdicts/verdict-event.js";
import { endpointEntry, NOISE, run, withEndpointEntries } from "./frozen-runs.js";

// Verdicts per endpoint: each endpoint of the runs' client.endpoints compared with the same engine, and the
// false alarms held over the release's endpoints as one family (Holm).

const P95 = "client.latency_ms.p95";

/** A run with three endpoints; `cart` is POST /api/cart's p95 level (ms), its noise its own. */
const withEndpoints = (minute: number, version: string, i: number, cart: number): RunRecord => {
  const f = (k: number) => NOISE[(i + k) % NOISE.length] as number;
  return withEndpointEntries(run(minute, { version, p95: 100 * f(0) }), [
    endpointEntry("GET /items/{id}", 600, 80 * f(3)),
    endpointEntry("GET /health", 300, 5 * f(5)),
    endpointEntry("POST /api/cart", 100, cart * f(7)),
    { name: "other", other: true as const, requests: 4, errors: 0, latency_ms: { p50: 1, p95: 2, p99: 3 } },
  ]);
};

const history = (cartAfter: number): RunRecord[] => [
  ...Array.from({ length: 12 }, (_, i) => withEndpoints(i * 30, "1.0.0", i, 30)),
  ...Array.from({ length: 6 }, (_, i) => withEndpoints(1000 + i * 30, "1.1.0", i + 2, cartAfter)),
];

describe("verdicts per endpoint", () => {
  it("judges each endpoint on its own: the cart regressed, the others did not, 'other' is not compared", () => {
    const cs = compareReleases(history(42));
    const endpoint = (name: string, metric = P95) =>
      cs.find((c) => c.endpoint === name && c.metric === metric) as Comparison;
    expect(endpoint("POST /api/cart")).toMatchObject({ verdict: "regression", source: "eu-west-runner-1" });
    expect(endpoint("POST /api/cart").change_pct).toBeGreaterThan(30);
    expect(endpoint("GET /items/{id}").verdict).toBe("no_change");
    expect(endpoint("GET /health").verdict).toBe("no_change");
    expect(cs.some((c) => c.endpoint === "other")).toBe(false);
    // The service's own rows carry no endpoint, and did not move (the cart is a tenth of the requests).
    const service = cs.find((c) => c.endpoint === undefined && c.metric === P95) as Comparison;
    expect(service.verdict).toBe("no_change");
    expect(Object.keys(service)).not.toContain("endpoint");
    // Endpoints are compared on p50, p95 and error rate (server_ms only where APM matched).
    expect(new Set(cs.filter((c) => c.endpoint === "GET /health").map((c) => c.metric))).toEqual(
      new Set(["client.latency_ms.p50", P95, "client.error_rate"]),
    );
  });

  it("says where in the release's verdict event", () => {
    const [verdict] = releaseVerdicts(compareReleases(history(42)));
    expect(verdict).toMatchObject({ verdict: "regression", endpoints: 3, unchangedEndpoints: 2 });
    const event = verdictEvent(verdict as NonNullable<typeof verdict>);
    expect(event.title).toMatch(
      /^kinto stage 1\.1\.0: regression against 1\.0\.0 \(POST \/api\/cart \+\d+\.\d%, 2 other endpoints unchanged\)$/,
    );
    expect(event.text).toContain("- POST /api/cart client.latency_ms.p95: regression");
    // Endpoints whose p95 was not decided are not "unchanged".
    const some = { ...(verdict as NonNullable<typeof verdict>), endpoints: 12, unchangedEndpoints: 9 };
    expect(verdictEvent(some).title).toMatch(
      /\(POST \/api\/cart \+\d+\.\d%, 9 other endpoints unchanged, 2 undecided\)$/,
    );
    const none = { ...some, unchangedEndpoints: 0 };
    expect(verdictEvent(none).title).toMatch(
      /\(POST \/api\/cart \+\d+\.\d%, 11 other endpoints undecided\)$/,
    );
    const [quiet] = releaseVerdicts(compareReleases(history(30)));
    expect(quiet?.verdict).toBe("no_change");
  });

  it("corrects a release's endpoint comparisons for their number (Holm), per source row", () => {
    const c = (endpoint: string | undefined, p: number, source = "all"): Comparison =>
      ({
        endpoint,
        source,
        p_value: p,
        verdict: p < 0.0075 ? "regression" : "no_change",
        reason: "r",
      }) as Comparison;
    // Ten endpoint comparisons at one source: the smallest p is tested at 0.0075/10, the next at 0.0075/9...
    const family = [0.0001, 0.0009, 0.004, ...Array.from({ length: 7 }, () => 0.5)].map((p) => c("E", p));
    const out = holmCorrected([c(undefined, 0.004), ...family, c("E", 0.004, "eu")], 0.0075);
    expect(out.map((x) => x.verdict)).toEqual([
      "regression", // the service's own row: not in the family
      "regression", // 0.0001 < 0.00075
      "insufficient_data", // 0.0009 ≥ 0.0075/9
      "insufficient_data", // after the first failure, every later one stays unrejected
      ...Array.from({ length: 7 }, () => "no_change"),
      "regression", // another source's family of one: 0.004 < 0.0075
    ]);
    expect(out[2]?.reason).toMatch(
      /^r; but not once the 10 endpoint comparisons of this release are tested together \(Holm: p=0\.0009 is not below 0\.00083\)$/,
    );
  });
});
