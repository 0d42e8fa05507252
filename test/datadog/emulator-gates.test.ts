import type { v2 } from "@datadog/datadog-api-client";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Fixture, startFixture } from "./client-fixture.js";

// The emulator's Deployment Gates routes, through dogdriver's client (the official v2 DeploymentGatesApi over
// dogdriver's transport) and raw requests for what the client would never send: bodies the official models
// refuse get Datadog's 400, with a JSON:API error that dogdriver's messages read.

let f: Fixture;
beforeAll(async () => {
  f = await startFixture();
});
afterAll(async () => f.dd.close());
beforeEach(() => f.dd.reset());

const gate = (service: string, identifier?: string): v2.CreateDeploymentGateParams => ({
  data: {
    type: "deployment_gate",
    attributes: { service, env: "stage", ...(identifier === undefined ? {} : { identifier }) },
  },
});
const rule = (name: string, options: Record<string, unknown>): v2.CreateDeploymentRuleParams =>
  ({ data: { type: "deployment_rule", attributes: { name, type: "monitor", options } } }) as never;

const post = async (path: string, body: unknown) => {
  const res = await fetch(`${f.dd.url}${path}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "DD-API-KEY": f.dd.apiKey,
      "DD-APPLICATION-KEY": f.dd.appKey,
    },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as { errors: { detail: string }[] } };
};

describe("the emulator's deployment gates", () => {
  it("creates gates (identifier default), lists them across pages, and keeps rules with their ids", async () => {
    const first = await f.datadog.createDeploymentGate(gate("kinto"));
    expect(first.attributes).toMatchObject({
      service: "kinto",
      env: "stage",
      identifier: "default",
      dryRun: false,
    });
    for (const name of ["a", "b", "c", "d"]) await f.datadog.createDeploymentGate(gate(name, "dogdriver"));
    const listed = await f.datadog.listDeploymentGates();
    expect(listed.map((g) => g.attributes.service)).toEqual(["kinto", "a", "b", "c", "d"]);

    const created = await f.datadog.createDeploymentRule(
      first.id,
      rule("latency", { query: "tag:x", duration: 60 }),
    );
    const rules = await f.datadog.getDeploymentGateRules(first.id);
    expect(rules).toEqual([expect.objectContaining({ id: created.id })]);
    expect(rules[0]?.rule).toMatchObject({
      name: "latency",
      type: "monitor",
      options: { query: "tag:x", duration: 60 },
    });
  });

  it("dogdriver's client follows the cursor to the last page (205 gates, pages of 100)", async () => {
    await Promise.all(Array.from({ length: 205 }, (_, i) => post("/api/v2/deployment_gates", gate(`s${i}`))));
    const listed = await f.datadog.listDeploymentGates();
    expect(new Set(listed.map((g) => g.attributes.service)).size).toBe(205);
    const pages = f.dd.requests().filter((r) => r.method === "GET" && r.path === "/api/v2/deployment_gates");
    expect(pages.map((r) => r.query["page[size]"])).toEqual(["100", "100", "100"]);
  });

  it("pages the list with Datadog's cursor: a page size of 1 still returns every gate", async () => {
    for (const name of ["a", "b", "c"]) await post("/api/v2/deployment_gates", gate(name));
    const pages: string[][] = [];
    let cursor: string | undefined;
    do {
      const url = new URL(`${f.dd.url}/api/v2/deployment_gates`);
      url.searchParams.set("page[size]", "1");
      if (cursor !== undefined) url.searchParams.set("page[cursor]", cursor);
      const res = await fetch(url, {
        headers: { "DD-API-KEY": f.dd.apiKey, "DD-APPLICATION-KEY": f.dd.appKey },
      });
      const body = (await res.json()) as {
        data: { attributes: { service: string } }[];
        meta: { page: { next_cursor?: string } };
      };
      pages.push(body.data.map((g) => g.attributes.service));
      cursor = body.meta.page.next_cursor;
    } while (cursor !== undefined);
    expect(pages).toEqual([["a"], ["b"], ["c"]]);
  });

  it.each([
    [
      "a gate without env",
      "/api/v2/deployment_gates",
      { data: { type: "deployment_gate", attributes: { service: "x" } } },
      "missing required property 'env'",
    ],
    [
      "a gate of another type",
      "/api/v2/deployment_gates",
      { data: { type: "gate", attributes: { service: "x", env: "y" } } },
      "not one of the allowed values",
    ],
  ])("refuses %s with 400", async (_name, path, body, detail) => {
    const answer = await post(path, body);
    expect(answer.status).toBe(400);
    expect(answer.body.errors[0]?.detail).toContain(detail);
  });

  it.each([
    [
      "query and monitor_ids together",
      { query: "tag:x", monitor_ids: [{ id: "1", groups: [] }] },
      "not one of the allowed values",
    ],
    ["no selection", { duration: 10 }, "exactly one of"],
    ["a duration over 2 hours", { query: "tag:x", duration: 7201 }, "between 0 and 7200"],
    ["an option no model has", { query: "tag:x", bogus: true }, "not one of the allowed values"],
  ])("refuses a monitor rule with %s", async (_name, options, detail) => {
    const { id } = await f.datadog.createDeploymentGate(gate("kinto"));
    const answer = await post(`/api/v2/deployment_gates/${id}/rules`, rule("r", options));
    expect(answer.status).toBe(400);
    expect(answer.body.errors[0]?.detail).toContain(detail);
  });

  it("refuses a second gate of the same identity and a second rule of the same name, in dogdriver's words", async () => {
    const { id } = await f.datadog.createDeploymentGate(gate("kinto", "dogdriver"));
    await expect(f.datadog.createDeploymentGate(gate("kinto", "dogdriver"))).rejects.toThrow(
      /Datadog refused creating a deployment gate \(400\): Bad Request: A deployment gate already exists for service kinto, env stage and identifier dogdriver/,
    );
    await f.datadog.createDeploymentRule(id, rule("r", { query: "tag:x" }));
    await expect(f.datadog.createDeploymentRule(id, rule("r", { query: "tag:y" }))).rejects.toThrow(
      `Datadog refused creating a rule of deployment gate ${id} (400): Bad Request: A rule named "r" already exists in this gate`,
    );
  });

  it("updates a rule in place and answers 404 for a rule that does not exist", async () => {
    const { id } = await f.datadog.createDeploymentGate(gate("kinto"));
    const created = await f.datadog.createDeploymentRule(id, rule("r", { query: "tag:x" }));
    await f.datadog.updateDeploymentRule(id, created.id, {
      data: {
        type: "deployment_rule",
        attributes: { name: "r", dryRun: true, options: { query: "tag:y", duration: 5 } },
      },
    });
    expect(f.dd.deploymentGates()[0]?.rules).toEqual([
      expect.objectContaining({ id: created.id, dry_run: true, options: { query: "tag:y", duration: 5 } }),
    ]);
    await expect(
      f.datadog.updateDeploymentRule(id, "nope", {
        data: {
          type: "deployment_rule",
          attributes: { name: "r", dryRun: false, options: { query: "tag:y" } },
        },
      }),
    ).rejects.toThrow(/\(404\): Not Found: Deployment rule not found/);
  });

  it("asks for the application key, like every Deployment Gates endpoint", async () => {
    const noAppKey = f.client({ appKey: "" });
    await expect(noAppKey.listDeploymentGates()).rejects.toThrow(/DD_APP_KEY is not set/);
    const wrong = f.client({ appKey: "0".repeat(40) });
    await expect(wrong.listDeploymentGates()).rejects.toThrow(
      /rejected the API key or application key \(403\)/,
    );
  });
});
