import { readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadCommandConfig } from "../../src/config/command-config.js";
import { type InitOptions, initCommand } from "../../src/init/init-command.js";
import { openStore } from "../../src/store/open-store.js";
import type { RunRecord } from "../../src/store/run-record.js";
import { type Workspace, workspace } from "../runner/runner-fixtures.js";
import { type HttpService, startHttpService } from "../support/http-service.js";

// `dogdriver init`: the starter config is valid as written, the starter test runs on the real runner, and an
// existing file is never overwritten.

describe("dogdriver init", () => {
  let ws: Workspace;
  let target: HttpService;
  beforeAll(async () => {
    ws = await workspace();
    target = await startHttpService({ delayMs: 2, version: "3.1.0" });
  });
  afterAll(async () => {
    await Promise.all([target.close(), ws.cleanup()]);
  });
  const init = async (options: Omit<InitOptions, "endpoint"> & { endpoint?: string }) => {
    const deps = ws.deps();
    try {
      return { outcome: await initCommand({ endpoint: target.url, ...options }, deps), deps };
    } catch (error) {
      return { error: error as Error & { code: string }, deps };
    }
  };

  it("writes a commented YAML config and a starter test that the real runner runs", async () => {
    const { outcome, deps } = await init({ name: "web", test: true });
    expect(outcome).toBe("ok");
    expect(deps.stderr.text()).toContain("wrote dogdriver.config.yaml");
    const yaml = await readFile(join(ws.dir, "dogdriver.config.yaml"), "utf8");
    expect(yaml).toMatch(/^# dogdriver configuration/);
    const config = await loadCommandConfig({}, deps);
    expect(config.services).toMatchObject([{ name: "web", env: "stage", endpoint: target.url }]);
    // The starter's own test is 30 s; its "smoke" test (same scenario) keeps this test short.
    await writeFile(join(ws.dir, "dogdriver.config.yaml"), yaml.replace("name: dogdriver", "name: smoke"));
    const run = await ws.run({ services: ["web"] });
    expect(run.deps.stderr.text()).not.toContain("FAILED");
    expect(run.exit).toBe(0);
    const stored: RunRecord[] = [];
    for await (const record of openStore("file://./.dogdriver", run.deps).listRuns()) stored.push(record);
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ service: "web", version: "3.1.0", state: "pending" });
    expect(stored[0]?.client.requests).toBeGreaterThan(0);
  }, 60_000);

  it("refuses to overwrite, writing nothing, and names each file that exists", async () => {
    const before = await readFile(join(ws.dir, "dogdriver.config.yaml"), "utf8");
    const { error } = await init({ test: true });
    expect(error?.code).toBe("usage");
    expect(error?.message).toContain(
      "dogdriver.config.yaml, loadtest/molotov.json, loadtest/loadtest.py already exist",
    );
    expect(await readFile(join(ws.dir, "dogdriver.config.yaml"), "utf8")).toBe(before);
  });

  it("refuses --json beside an existing YAML config: the second file would shadow the first", async () => {
    const { error } = await init({ json: true });
    expect(error?.code).toBe("usage");
    expect(error?.message).toContain("dogdriver.config.yaml already exists; nothing written");
    await expect(readFile(join(ws.dir, "dogdriver.config.json"), "utf8")).rejects.toThrow(/ENOENT/);
  });

  it("writes JSON with --json, names the --store given, and refuses a bad endpoint or name", async () => {
    await rename(join(ws.dir, "dogdriver.config.yaml"), join(ws.dir, "kept.yaml"));
    try {
      expect((await init({ json: true, env: "prod", store: "s3://bucket/runs" })).outcome).toBe("ok");
      const json = JSON.parse(await readFile(join(ws.dir, "dogdriver.config.json"), "utf8"));
      expect(json.services[0]).toMatchObject({ name: "service", env: "prod" });
      expect(json.store).toBe("s3://bucket/runs");
      await rm(join(ws.dir, "dogdriver.config.json"));
      expect((await init({ store: "s3://bucket/yaml-runs" })).outcome).toBe("ok");
      const config = await loadCommandConfig({}, ws.deps());
      expect(config.store).toBe("s3://bucket/yaml-runs");
      await rm(join(ws.dir, "dogdriver.config.yaml"));
    } finally {
      await rename(join(ws.dir, "kept.yaml"), join(ws.dir, "dogdriver.config.yaml"));
    }
    expect((await init({ endpoint: "kinto", config: "x.yaml" })).error?.message).toContain(
      "expected an http(s) URL",
    );
    expect((await init({ name: "Web", config: "y.yaml" })).error?.message).toContain("--name");
  });
});
