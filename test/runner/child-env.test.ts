import { describe, expect, it } from "vitest";
import { childEnv } from "../../src/runner/child-env.js";

describe("childEnv", () => {
  it("keeps the environment but dogdriver's Datadog keys and AWS credentials", () => {
    expect(
      childEnv({
        PATH: "/usr/bin",
        HOME: "/root",
        DD_API_KEY: "a",
        DD_APP_KEY: "b",
        DATADOG_API_KEY: "c",
        AWS_ACCESS_KEY_ID: "d",
        AWS_SECRET_ACCESS_KEY: "e",
        AWS_SESSION_TOKEN: "f",
        AWS_REGION: "us-east-1",
        PIP_INDEX_URL: "http://127.0.0.1:9/simple",
        UNSET: undefined,
      }),
    ).toEqual({
      PATH: "/usr/bin",
      HOME: "/root",
      AWS_REGION: "us-east-1",
      PIP_INDEX_URL: "http://127.0.0.1:9/simple",
    });
  });
});
