import { describe, expect, it } from "vitest";
import { endpointTag, endpointTagValue } from "../../src/datadog/endpoint-tag.js";
import { TAG_MAX_LENGTH } from "../../src/datadog/limits.js";
import { normaliseTag } from "../../src/datadog/metric-names.js";
import { intakeTag } from "../support/datadog-emulator/intake-names.js";

describe("endpointTag", () => {
  it.each([
    ["POST /api/cart/{id}", "endpoint:post_/api/cart/_id"],
    ["GET /items/{id}", "endpoint:get_/items/_id"],
    ["GET /users/{id}/orders", "endpoint:get_/users/_id_/orders"],
    ["POST /api/cart", "endpoint:post_/api/cart"],
    ["GET /", "endpoint:get_/"],
    ["other", "endpoint:other"],
    ["Add to cart!", "endpoint:add_to_cart"],
    ["GET /files/my%20file.txt", "endpoint:get_/files/my_20file.txt"],
    ["GET /a:", "endpoint:get_/a"],
    ["Ürün listesi", "endpoint:ürün_listesi"],
    ["{}", "endpoint:_"],
  ])("%s -> %s", (name, tag) => {
    expect(endpointTag(name)).toBe(tag);
  });

  it("is what Datadog stores: a fixed point of its normalisation, under the tag length limit", () => {
    for (const name of ["POST /api/cart/{id}", "GET /x?y=1", `GET /${"Ab(".repeat(100)}`]) {
      const tag = endpointTag(name);
      expect(intakeTag(tag)).toBe(tag);
      expect(normaliseTag(tag)).toBe(tag);
      expect(tag.length).toBeLessThanOrEqual(TAG_MAX_LENGTH);
      expect(endpointTagValue(endpointTagValue(name))).toBe(endpointTagValue(name));
    }
  });
});
