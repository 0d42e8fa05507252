import { client, v1, v2 } from "@datadog/datadog-api-client";
import { afterEach, describe, expect, it } from "vitest";
import { datadogConfiguration } from "../../src/datadog/official-client.js";
import { datadogSettingsFromEnv } from "../../src/datadog/settings.js";

// Settings come from dogdriver's own env (deps.env) and the config only; the official client's process-wide
// DD_SITE/DD_API_KEY behaviour must not leak in. The requests below never leave the process: a recording httpApi
// stands in for the network because the real hosts (api.datadoghq.eu...) must not be contacted from tests.

const recorded: { url: string; headers: Record<string, string> }[] = [];
const recorder: client.HttpLibrary = {
  send: async (request) => {
    recorded.push({ url: request.getUrl(), headers: request.getHeaders() });
    return new client.ResponseContext(
      202,
      { "content-type": "application/json" },
      {
        text: async () => '{"errors":[]}',
        binary: async () => Buffer.from('{"errors":[]}'),
      },
    );
  },
};

const saved = { ...process.env };
afterEach(() => {
  recorded.length = 0;
  for (const key of ["DD_SITE", "DD_API_KEY", "DD_APP_KEY"]) {
    if (saved[key] === undefined) delete process.env[key];
    else process.env[key] = saved[key];
  }
});

describe("datadogSettingsFromEnv", () => {
  it("reads keys, DD_SITE over the config's site, and DOGDRIVER_DD_URL", () => {
    expect(
      datadogSettingsFromEnv(
        {
          DD_API_KEY: "k",
          DD_APP_KEY: "a",
          DD_SITE: "datadoghq.eu",
          DOGDRIVER_DD_URL: "http://127.0.0.1:8126/",
        },
        { datadogSite: "us3.datadoghq.com" },
      ),
    ).toEqual({
      apiKey: "k",
      appKey: "a",
      site: "datadoghq.eu",
      baseUrl: "http://127.0.0.1:8126",
      timeoutMs: 30_000,
      maxRetries: 3,
    });
    expect(datadogSettingsFromEnv({}, { datadogSite: "us3.datadoghq.com" })).toMatchObject({
      site: "us3.datadoghq.com",
    });
    expect(datadogSettingsFromEnv({ DD_API_KEY: " " })).toEqual({
      site: "datadoghq.com",
      timeoutMs: 30_000,
      maxRetries: 3,
    });
  });

  it("names the variable and the value when one is wrong", () => {
    expect(() => datadogSettingsFromEnv({ DD_SITE: "https://app.datadoghq.eu" })).toThrow(
      'DD_SITE: expected a Datadog site such as datadoghq.com or datadoghq.eu (no scheme or path), got "https://app.datadoghq.eu"',
    );
    expect(() => datadogSettingsFromEnv({ DOGDRIVER_DD_URL: "127.0.0.1:8126" })).toThrow(
      'DOGDRIVER_DD_URL: expected an http(s) base URL without credentials, such as http://127.0.0.1:8126, got "127.0.0.1:8126"',
    );
    // A proxy password never reaches a message.
    const withPassword = () =>
      datadogSettingsFromEnv({ DOGDRIVER_DD_URL: "https://dd:s3cr3t-proxy-pass@proxy.example.com:3128" });
    expect(withPassword).toThrow(
      'DOGDRIVER_DD_URL: expected an http(s) base URL without credentials, such as http://127.0.0.1:8126, got "https://***@proxy.example.com:3128"',
    );
  });
});

describe("datadogConfiguration", () => {
  it("sends to the configured site, whatever process.env.DD_SITE says, and never a key from process.env", async () => {
    process.env.DD_SITE = "datadoghq.eu";
    process.env.DD_API_KEY = "process-env-api-key";
    process.env.DD_APP_KEY = "process-env-app-key";
    const conf = datadogConfiguration(
      { site: "us3.datadoghq.com", timeoutMs: 1000, maxRetries: 0 },
      recorder,
    );
    await new v2.MetricsApi(conf).submitMetrics({ body: { series: [] } });
    await new v1.EventsApi(conf).createEvent({ body: { title: "t", text: "x" } }).catch(() => undefined);
    expect(recorded.map((r) => r.url)).toEqual([
      "https://api.us3.datadoghq.com/api/v2/series",
      "https://api.us3.datadoghq.com/api/v1/events",
    ]);
    for (const r of recorded) {
      expect(Object.keys(r.headers).map((h) => h.toLowerCase())).not.toContain("dd-api-key");
      expect(JSON.stringify(r.headers)).not.toContain("process-env");
    }
  });

  it("sends every call, v2 events' intake host included, to DOGDRIVER_DD_URL when set", async () => {
    const conf = datadogConfiguration(
      {
        apiKey: "k",
        appKey: "a",
        site: "datadoghq.eu",
        baseUrl: "http://127.0.0.1:8126",
        timeoutMs: 1000,
        maxRetries: 0,
      },
      recorder,
    );
    await new v2.MetricsApi(conf).submitMetrics({ body: { series: [] } });
    await new v2.EventsApi(conf)
      .createEvent({
        body: {
          data: {
            type: "event",
            attributes: {
              category: "change",
              title: "t",
              attributes: { changedResource: { name: "x", type: "configuration" } },
            },
          },
        },
      })
      .catch(() => undefined);
    expect(recorded.map((r) => r.url)).toEqual([
      "http://127.0.0.1:8126/api/v2/series",
      "http://127.0.0.1:8126/api/v2/events",
    ]);
    expect(recorded[0]?.headers["DD-API-KEY"]).toBe("k");
  });
});
