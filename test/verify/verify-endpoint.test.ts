import { describe, expect, it } from "vitest";
import type { ServiceConfig } from "../../src/config/types.js";
import { isDogdriverError } from "../../src/errors.js";
import { atEndpoint, checkEndpoint } from "../../src/verify/verify-endpoint.js";
import { testDeps } from "../support/deps.js";

// verify --endpoint: a canary's own URL in place of the configured endpoint, for the load and the version.

const service = (version: ServiceConfig["version"]): ServiceConfig =>
  ({ name: "shop", env: "prod", endpoint: "https://shop.example.com", version }) as ServiceConfig;

describe("verify --endpoint", () => {
  it("refuses what is not an http(s) URL, as a usage error naming it", () => {
    for (const bad of ["shop-canary:8080", "ftp://shop", "not a url"]) {
      let code: string | undefined;
      try {
        checkEndpoint(bad);
      } catch (error) {
        code = isDogdriverError(error) ? error.code : undefined;
        expect((error as Error).message).toContain(
          `--endpoint expects an http:// or https:// URL, got "${bad}"`,
        );
      }
      expect(code).toBe("usage");
    }
    expect(checkEndpoint("http://shop-canary.prod.svc:8080/")).toBe("http://shop-canary.prod.svc:8080");
  });

  it("reads the version at the canary when its endpoint lies under the configured one", () => {
    const deps = testDeps({ cwd: "/" });
    const canary = atEndpoint(
      service({ url: "https://shop.example.com/__version__", field: "version" }),
      "http://shop-canary:8080",
      deps.log,
    );
    expect(canary.endpoint).toBe("http://shop-canary:8080");
    expect(canary.version).toEqual({ url: "http://shop-canary:8080/__version__", field: "version" });
    expect(deps.stderr.text()).toBe("");
  });

  it("says so when the version is read elsewhere (it may be the stable release's)", () => {
    const deps = testDeps({ cwd: "/" });
    const canary = atEndpoint(
      service({ url: "https://versions.example.com/shop", field: "v" }),
      "http://shop-canary:8080",
      deps.log,
    );
    expect(canary.version.url).toBe("https://versions.example.com/shop");
    expect(deps.stderr.text()).toContain(
      "the deployed version is read from https://versions.example.com/shop, not from --endpoint http://shop-canary:8080",
    );
  });
});
