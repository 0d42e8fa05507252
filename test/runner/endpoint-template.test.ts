import { describe, expect, it } from "vitest";
import { endpointName, foldPath, MAX_ENDPOINT_NAME } from "../../src/runner/endpoint-template.js";

describe("foldPath", () => {
  it.each([
    ["/items/123", "/items/{id}"],
    ["/items/0", "/items/{id}"],
    ["/users/3f2b8c1e-9d4a-4e5b-8f6c-0a1b2c3d4e5f/orders", "/users/{id}/orders"],
    ["/users/3F2B8C1E-9D4A-4E5B-8F6C-0A1B2C3D4E5F", "/users/{id}"],
    ["/files/deadbeefcafebabe0123456789abcdef", "/files/{id}"],
    ["/files/deadbeefcafebabe", "/files/{id}"],
    ["/commits/3f2b9c1a", "/commits/{id}"],
    ["/sessions/eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0", "/sessions/{id}"],
    ["/customers/cus_NffrFeUfNV2Hib", "/customers/{id}"],
    ["/a/b/c", "/a/b/c"],
    ["/items/", "/items"],
    ["/items//", "/items"],
    ["/", "/"],
    ["", "/"],
    // Encoded characters: classified decoded, kept as written.
    ["/files/my%20file.txt", "/files/my%20file.txt"],
    ["/items/%31%32%33", "/items/{id}"],
    ["/bad/%zz", "/bad/%zz"],
    // Versions and words stay.
    ["/api/v2/items", "/api/v2/items"],
    ["/api/2.0/items", "/api/2.0/items"],
    ["/v1.2/status", "/v1.2/status"],
    ["/menu/cafe", "/menu/cafe"],
    ["/beef/deadbeef", "/beef/deadbeef"],
    ["/oauth2/authorize", "/oauth2/authorize"],
    ["/blog/my-first-post-about-things", "/blog/my-first-post-about-things"],
    ["/static/App", "/static/App"],
    ["/orders/42/items/7", "/orders/{id}/items/{id}"],
  ])("%s -> %s", (path, folded) => {
    expect(foldPath(path)).toBe(folded);
  });
});

describe("endpointName", () => {
  it("is METHOD /template, or the name the test gave", () => {
    expect(endpointName("get", "/items/17")).toBe("GET /items/{id}");
    expect(endpointName("POST", "/api/cart", "checkout")).toBe("checkout");
    expect(endpointName("POST", "/api/cart", "  ")).toBe("POST /api/cart");
  });

  it("never takes the name of the other entry", () => {
    expect(endpointName("GET", "/x", "other")).toBe("GET /x");
    expect(endpointName("GET", "/x", "Other ")).toBe("GET /x");
  });

  it("is cut to a tag-sized length, in safe characters", () => {
    const long = endpointName("GET", `/${"x".repeat(300)}`);
    expect(long.length).toBe(MAX_ENDPOINT_NAME);
    expect(long.endsWith("...")).toBe(true);
    expect(endpointName("GET", "/x", "cart\u001b[31m")).toBe("cart\\u{1b}[31m");
  });
});
