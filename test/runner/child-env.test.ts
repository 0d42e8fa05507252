import { describe, expect, it } from "vitest";
import { childEnv } from "../../src/runner/child-env.js";

describe("childEnv", () => {
  it("passes the allow-list and the names DOGDRIVER_CHILD_ENV adds, never a Datadog or AWS variable", () => {
    expect(
      childEnv({
        PATH: "/usr/bin",
        HOME: "/root",
        LC_ALL: "C.UTF-8",
        GIT_SSH_COMMAND: "ssh -i key",
        DD_API_KEY: "a",
        DD_APP_KEY: "b",
        DATADOG_API_KEY: "c",
        AWS_ACCESS_KEY_ID: "d",
        AWS_SECRET_ACCESS_KEY: "e",
        AWS_SESSION_TOKEN: "f",
        AWS_REGION: "us-east-1",
        GITHUB_TOKEN: "g",
        PIP_INDEX_URL: "http://127.0.0.1:9/simple",
        TEST_TOKEN: "t",
        DOGDRIVER_CHILD_ENV: "TEST_TOKEN, DD_API_KEY",
        UNSET: undefined,
      }),
    ).toEqual({
      PATH: "/usr/bin",
      HOME: "/root",
      LC_ALL: "C.UTF-8",
      GIT_SSH_COMMAND: "ssh -i key",
      PIP_INDEX_URL: "http://127.0.0.1:9/simple",
      TEST_TOKEN: "t",
    });
  });
});
