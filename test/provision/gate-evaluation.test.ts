import { client, v2 } from "@datadog/datadog-api-client";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { RELEASE_CHANGE_PCT, RELEASE_VERDICT } from "../../src/dashboards/metric-names.js";
import { createDatadog } from "../../src/datadog/client.js";
import { releaseTags } from "../../src/verdicts/release-series.js";
import type { Comparison } from "../../src/verdicts/types.js";
import { type Emulator, startDatadogEmulator } from "../support/datadog-emulator/index.js";
import { testDeps } from "../support/deps.js";
import { baseConfig, runProvision, workDir } from "./provision-fixtures.js";

// The chain issue 25 relies on, end to end in the emulator: a release verdict in Datadog (the series `aggregate`
// and `verify` post) -> dogdriver's regression monitor -> the provisioned gate's monitor rule -> the evaluation
// `datadog-ci deployment gate` requests and polls (here through the official client's DeploymentGatesApi). The
// emulator evaluates the monitor as Datadog documents it, evaluation_delay included (settle + 15 min), which is why
// a gate evaluated right after a verify sees its regression only with a duration covering that delay.

const MINUTE = 60_000;
let dd: Emulator;
beforeAll(async () => {
  dd = await startDatadogEmulator();
});
afterAll(async () => dd.close());
beforeEach(() => dd.reset());

/** Posts a release's verdict series for kinto/stage at `atMs`, tagged as dogdriver tags them. */
const postVerdict = async (version: string, verdict: 1 | 0, changePct: number, atMs: number) => {
  const tags = releaseTags({
    service: "kinto",
    env: "stage",
    source: "ci-runner",
    test: "dogdriver",
    metric: "client.latency_ms.p95",
    candidate: { version },
  } as Comparison);
  const datadog = createDatadog(
    {
      apiKey: dd.apiKey,
      appKey: dd.appKey,
      site: "datadoghq.com",
      baseUrl: dd.url,
      timeoutMs: 3000,
      maxRetries: 0,
    },
    testDeps({ cwd: process.cwd() }),
  );
  await datadog.submitMetrics([
    { metric: RELEASE_CHANGE_PCT, tags, points: [{ timestampMs: atMs, value: changePct }] },
    { metric: RELEASE_VERDICT, tags, points: [{ timestampMs: atMs, value: verdict }] },
  ]);
};

/** What `datadog-ci deployment gate --service S --env stage --identifier dogdriver` would conclude. */
const evaluate = async (service: string): Promise<{ status: string; reasons: string[] }> => {
  const configuration = client.createConfiguration({
    authMethods: { apiKeyAuth: dd.apiKey, appKeyAuth: dd.appKey },
    baseServer: new client.BaseServerConfiguration(dd.url, {}),
  });
  configuration.unstableOperations["v2.triggerDeploymentGatesEvaluation"] = true;
  configuration.unstableOperations["v2.getDeploymentGatesEvaluationResult"] = true;
  const api = new v2.DeploymentGatesApi(configuration);
  const started = await api.triggerDeploymentGatesEvaluation({
    body: {
      data: {
        type: "deployment_gates_evaluation_request",
        attributes: { service, env: "stage", identifier: "dogdriver" },
      },
    },
  });
  const result = await api.getDeploymentGatesEvaluationResult({
    id: started.data?.attributes.evaluationId ?? "",
  });
  return {
    status: String(result.data?.attributes.gateStatus),
    reasons: (result.data?.attributes.rules ?? []).map((r) => `${r.status}: ${r.reason ?? ""}`),
  };
};

describe("a dogdriver verdict reaches a deployment gate through the regression monitor", () => {
  it("fails the gate of a regressed release, passes an unchanged one and a service without verdicts", async () => {
    const cwd = await workDir({ ...baseConfig(), deployment_gates: true });
    expect((await runProvision(dd, cwd)).error).toBeUndefined();

    await postVerdict("1.1.0", 0, 1.5, Date.now() - 30 * MINUTE);
    expect(await evaluate("kinto")).toEqual({ status: "pass", reasons: ["pass: "] });
    // No verdict for autopush at all: no group of the monitor matches, which must not block its deploys.
    expect((await evaluate("autopush")).status).toBe("pass");

    await postVerdict("1.2.0", 1, 25, Date.now() - 30 * MINUTE);
    const regressed = await evaluate("kinto");
    expect(regressed.status).toBe("fail");
    expect(regressed.reasons[0]).toMatch(
      /^fail: Monitor \d+ is in ALERT for .*service:kinto,version:1\.2\.0/,
    );
    expect((await evaluate("autopush")).status).toBe("pass");
  });

  it("sees a verdict posted just now only when the rule's duration covers the monitor's evaluation delay", async () => {
    const cwd = await workDir({ ...baseConfig(), deployment_gates: { services: ["kinto"] } });
    await runProvision(dd, cwd);
    await postVerdict("1.2.0", 1, 25, Date.now() - 2 * MINUTE);
    // settle 10m + 15m: the monitor reads points 25 minutes old; an instant evaluation finds no group yet.
    expect((await evaluate("kinto")).status).toBe("pass");

    await workDir({ ...baseConfig(), deployment_gates: { services: ["kinto"], duration: "30m" } }).then(
      async (again) => expect((await runProvision(dd, again)).error).toBeUndefined(),
    );
    expect(dd.deploymentGates()[0]?.rules[0]?.options.duration).toBe(1800);
    expect((await evaluate("kinto")).status).toBe("fail");
  });

  it("with Datadog's defaults for the rule (what the Terraform provider can write), a service without verdicts fails", async () => {
    const cwd = await workDir({ ...baseConfig(), deployment_gates: true });
    await runProvision(dd, cwd);
    const gate = dd.deploymentGates().find((g) => g.service === "autopush");
    const rule = gate?.rules[0];
    const res = await fetch(`${dd.url}/api/v2/deployment_gates/${gate?.id}/rules/${rule?.id}`, {
      method: "PUT",
      headers: {
        "content-type": "application/json",
        "DD-API-KEY": dd.apiKey,
        "DD-APPLICATION-KEY": dd.appKey,
      },
      body: JSON.stringify({
        data: {
          type: "deployment_rule",
          attributes: {
            name: rule?.name,
            dry_run: false,
            options: { query: rule?.options.query, duration: 0 },
          },
        },
      }),
    });
    expect(res.status).toBe(200);
    expect(await evaluate("autopush")).toEqual({
      status: "fail",
      reasons: ["fail: No monitor groups match the query"],
    });
  });
});
