import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Emulator, startDatadogEmulator } from "../support/datadog-emulator/index.js";
import { baseConfig, runProvision, workDir, writes } from "./provision-fixtures.js";

// `provision` with config deployment_gates against the emulator, whose Deployment Gates routes read every body
// through the official client's v2 models (CreateDeploymentGateParams, CreateDeploymentRuleParams,
// UpdateDeploymentRuleParams): a gate per service/env with dogdriver's monitor rule, found again by identity, left
// alone when it already holds what is wanted, and never touched when the configuration does not ask for gates.

let dd: Emulator;
beforeAll(async () => {
  dd = await startDatadogEmulator();
});
afterAll(async () => dd.close());
beforeEach(() => dd.reset());

const withGates = (gates: unknown) => ({ ...baseConfig(), deployment_gates: gates });
const gateWrites = () => writes(dd).filter((w) => w.includes("/deployment_gates"));
const QUERY_KINTO = 'tag:"dogdriver_monitor:release_regression" group:"service:kinto" group:"env:stage"';
const headers = () => ({
  "content-type": "application/json",
  "DD-API-KEY": dd.apiKey,
  "DD-APPLICATION-KEY": dd.appKey,
});

describe("provision with deployment_gates", () => {
  it("makes one gate and one monitor rule per service/env; a second provision changes nothing", async () => {
    const cwd = await workDir(withGates(true));
    const first = await runProvision(dd, cwd);
    expect(first.error).toBeUndefined();
    const gates = dd.deploymentGates();
    expect(gates.map((g) => `${g.service}/${g.env} ${g.identifier} dry_run=${g.dry_run}`)).toEqual([
      "kinto/stage dogdriver dry_run=false",
      "autopush/stage dogdriver dry_run=false",
    ]);
    expect(gates[0]?.rules).toEqual([
      expect.objectContaining({
        name: "dogdriver release regression",
        type: "monitor",
        dry_run: false,
        options: { query: QUERY_KINTO, duration: 0, fail_on_no_groups_found: false, fail_on_no_data: false },
      }),
    ]);
    // The rule selects the monitor provision made in the same run.
    expect(dd.monitors().filter((m) => m.tags.includes("dogdriver_monitor:release_regression"))).toHaveLength(
      1,
    );
    // Every gate request was answered 200: the emulator read each body through the official models.
    const gateRequests = dd.requests().filter((r) => r.path.startsWith("/api/v2/deployment_gates"));
    expect(gateRequests.map((r) => `${r.method} ${r.status}`)).toEqual([
      "GET 200",
      "POST 200",
      "POST 200",
      "POST 200",
      "POST 200",
    ]);
    expect(first.stderr).toContain("Deployment Gates API is a preview");

    const before = writes(dd).length;
    const second = await runProvision(dd, cwd);
    expect(second.error).toBeUndefined();
    expect(writes(dd)).toHaveLength(before);
    expect(dd.deploymentGates()).toHaveLength(2);
    expect(second.stderr).toContain("deployment gate kinto/stage (identifier dogdriver): no changes");
    expect(second.stderr).toContain("provision: no changes");
  });

  it("is opt-in: without deployment_gates (or with false) not one Deployment Gates request is made", async () => {
    for (const config of [baseConfig(), withGates(false)]) {
      dd.reset();
      expect((await runProvision(dd, await workDir(config))).error).toBeUndefined();
      expect(dd.requests().filter((r) => r.path.includes("deployment"))).toEqual([]);
    }
  });

  it("--dry-run shows the exact bodies and sends nothing; after provisioning it shows no changes", async () => {
    const cwd = await workDir(withGates({ services: ["kinto"], duration: "30m", dry_run: true }));
    const dry = await runProvision(dd, cwd, { dryRun: true });
    expect(dry.error).toBeUndefined();
    expect(dry.stdout).toContain("deployment gate kinto/stage (identifier dogdriver): create");
    expect(dry.stdout).toContain(
      `POST /api/v2/deployment_gates\n${JSON.stringify(
        {
          data: {
            type: "deployment_gate",
            attributes: { service: "kinto", env: "stage", identifier: "dogdriver", dry_run: false },
          },
        },
        null,
        2,
      )}`,
    );
    const rule = {
      data: {
        type: "deployment_rule",
        attributes: {
          name: "dogdriver release regression",
          type: "monitor",
          dry_run: true,
          options: {
            query: QUERY_KINTO,
            duration: 1800,
            fail_on_no_groups_found: false,
            fail_on_no_data: false,
          },
        },
      },
    };
    expect(dry.stdout).toContain(
      `POST /api/v2/deployment_gates/<id of the new gate kinto/stage>/rules\n${JSON.stringify(rule, null, 2)}`,
    );
    expect(dry.stdout).not.toContain("autopush/stage");
    expect(gateWrites()).toEqual([]);

    await runProvision(dd, cwd);
    const again = await runProvision(dd, cwd, { dryRun: true });
    expect(again.stdout).toMatch(/deployment gate kinto\/stage \(identifier dogdriver\): \S+ unchanged/);
    expect(again.stdout).toContain("No changes.");
  });

  it("--json lists the gates: what would be done, then what was, with the new gates' ids", async () => {
    const cwd = await workDir(withGates({ services: ["kinto"] }));
    const planned = JSON.parse((await runProvision(dd, cwd, { dryRun: true, json: true })).stdout);
    expect(planned.deployment_gates).toEqual([
      expect.objectContaining({
        key: "kinto/stage",
        identifier: "dogdriver",
        gate: expect.objectContaining({ action: "create" }),
        rule: expect.objectContaining({ action: "create", changes: [] }),
      }),
    ]);
    const applied = JSON.parse((await runProvision(dd, cwd, { json: true })).stdout);
    expect(applied.deployment_gates[0].gate.id).toBe(dd.deploymentGates()[0]?.id);
    expect(applied.changes).toBe(6);
  });

  it("puts back a rule edited in the UI, in place, and shows the difference first", async () => {
    const cwd = await workDir(withGates(true));
    await runProvision(dd, cwd);
    const [kinto] = dd.deploymentGates();
    const ruleId = kinto?.rules[0]?.id;
    const edited = await fetch(`${dd.url}/api/v2/deployment_gates/${kinto?.id}/rules/${ruleId}`, {
      method: "PUT",
      headers: headers(),
      body: JSON.stringify({
        data: {
          type: "deployment_rule",
          attributes: {
            name: "dogdriver release regression",
            dry_run: false,
            options: { query: "service:kinto", duration: 600 },
          },
        },
      }),
    });
    expect(edited.status).toBe(200);

    const dry = await runProvision(dd, cwd, { dryRun: true });
    expect(dry.stdout).toContain(`options.query: "service:kinto" -> ${JSON.stringify(QUERY_KINTO)}`);
    expect(dry.stdout).toContain("options.duration: 600 -> 0");
    expect(dry.stdout).toContain(`PUT /api/v2/deployment_gates/${kinto?.id}/rules/${ruleId}`);
    await runProvision(dd, cwd);
    const rules = dd.deploymentGates()[0]?.rules;
    expect(rules?.map((r) => r.id)).toEqual([ruleId]);
    expect(rules?.[0]?.options).toMatchObject({ query: QUERY_KINTO, duration: 0 });
  });

  it('with identifier "default", adds its rule to a team\'s existing gate and leaves the gate and its rules alone', async () => {
    const created = await fetch(`${dd.url}/api/v2/deployment_gates`, {
      method: "POST",
      headers: headers(),
      body: JSON.stringify({
        data: { type: "deployment_gate", attributes: { service: "kinto", env: "stage", dry_run: true } },
      }),
    });
    const teamGate = ((await created.json()) as { data: { id: string } }).data.id;
    await fetch(`${dd.url}/api/v2/deployment_gates/${teamGate}/rules`, {
      method: "POST",
      headers: headers(),
      body: JSON.stringify({
        data: {
          type: "deployment_rule",
          attributes: { name: "team monitors", type: "monitor", options: { query: "team:storage" } },
        },
      }),
    });
    const cwd = await workDir(withGates({ services: ["kinto/stage"], identifier: "default" }));
    expect((await runProvision(dd, cwd)).error).toBeUndefined();
    const [gate] = dd.deploymentGates();
    expect(dd.deploymentGates()).toHaveLength(1);
    expect(gate).toMatchObject({ id: teamGate, identifier: "default", dry_run: true });
    expect(gate?.rules.map((r) => r.name)).toEqual(["team monitors", "dogdriver release regression"]);
    expect(gate?.rules[0]?.options).toEqual({ query: "team:storage" });
  });

  it("names a deployment_gates.services entry that is not a configured service, and sends nothing", async () => {
    const result = await runProvision(dd, await workDir(withGates({ services: ["kinto/prod"] })));
    expect((result.error as { code?: string }).code).toBe("invalid_config");
    expect((result.error as { details?: string[] }).details).toEqual([
      'deployment_gates.services[0]: "kinto/prod" is not a configured service (configured: kinto/stage, autopush/stage)',
    ]);
    expect(dd.requests()).toEqual([]);
  });

  it("where Deployment Gates are not enabled (403), says so and changes nothing at all", async () => {
    dd.inject({ path: "/api/v2/deployment_gates", method: "GET", status: 403 });
    const result = await runProvision(dd, await workDir(withGates(true)));
    const message = String((result.error as Error)?.message);
    expect(message).toContain("Deployment Gates are a Datadog preview");
    expect(message).toContain("remove deployment_gates from the configuration; nothing was changed");
    expect(writes(dd)).toEqual([]);
  });
});
