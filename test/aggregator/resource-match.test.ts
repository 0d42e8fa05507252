import { describe, expect, it } from "vitest";
import { matchKey } from "../../src/aggregator/resource-match.js";

describe("matchKey", () => {
  it.each([
    // The load test's endpoint names.
    ["GET /items/{id}", "get /items/{id}"],
    ["POST /api/cart", "post /api/cart"],
    ["GET /", "get /"],
    // APM resource names as tracers write them...
    ["GET /items/?", "get /items/{id}"],
    ["GET /items/{item_id}", "get /items/{id}"],
    ["GET /items/:id", "get /items/{id}"],
    ["GET /items/<int:item_id>", "get /items/{id}"],
    ["GET /items/*", "get /items/{id}"],
    ["GET /items/123", "get /items/{id}"],
    ["get /items/", "get /items"],
    // ...and as a grouped query answers them: Datadog's tag form.
    ["get_/items/_", "get /items/{id}"],
    ["get_/items/_item_id_", "get /items/{id}"],
    ["get_/items/_int:item_id_", "get /items/{id}"],
    ["post_/api/cart", "post /api/cart"],
    ["get_/users/_id_/orders/_", "get /users/{id}/orders/{id}"],
    ["post_/api/v2/cart", "post /api/v2/cart"],
    ["get_/", "get /"],
  ])("%s -> %s", (name, key) => {
    expect(matchKey(name)).toBe(key);
  });

  it("gives names without a method and a path no key", () => {
    for (const name of ["add to cart", "ItemsController#show", "GET", "get_200", "", "/items"])
      expect(matchKey(name)).toBeUndefined();
  });

  it("keeps different routes apart", () => {
    expect(matchKey("get_/items/_")).not.toBe(matchKey("post_/items/_"));
    expect(matchKey("GET /items/{id}")).not.toBe(matchKey("GET /items/{id}/reviews"));
    expect(matchKey("GET /api/v2/items")).not.toBe(matchKey("GET /api/v1/items"));
  });
});
