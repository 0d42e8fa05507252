import { access, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CheckReport } from "../../src/check/types.js";
import { main } from "../../src/cli/main.js";
import { type Emulator, startDatadogEmulator } from "../support/datadog-emulator/index.js";
import { testDeps } from "../support/deps.js";

// docs/fleet.md: text held in Datadog never chooses a local directory on the runner. A catalog entity's test.repo
// is a remote repository URL (https, http, ssh, git, user@host:path), or an absolute directory inside the local
// config's discover.local_repo_dirs; git's transports that run programs are refused as in a config file. A refused
// entry is named and skipped when the catalog is read: `run --list` does not show it, `check` and `run` never
// load its scenario. Before, `../../…/loadtest` and `/etc` were taken and `check` imported the local scenario.

const REMOTE = [
  "https://github.com/example/kinto-loadtests",
  "ssh://git@github.com/example/kinto-loadtests.git",
  "git://git.internal/kinto.git",
  "git@github.com:example/kinto-loadtests.git",
];

let dd: Emulator;
let root: string;
let cwd: string;
// A scenario that leaves a file behind when Python imports it: proof that it was loaded.
const marker = () => join(root, "imported");
const scenarioDir = () => join(root, "elsewhere", "loadtest");
const allowed = () => join(root, "allowed");

beforeAll(async () => {
  [dd, root] = await Promise.all([
    startDatadogEmulator(),
    mkdtemp(join(tmpdir(), "dogdriver-catalog-repo-")),
  ]);
  cwd = join(root, "runner", "work");
  await mkdir(cwd, { recursive: true });
  for (const dir of [scenarioDir(), join(allowed(), "kinto"), join(`${allowed()}-evil`, "kinto")]) {
    await mkdir(dir, { recursive: true });
    await writeFile(
      join(dir, "molotov.json"),
      JSON.stringify({ molotov: { tests: { dogdriver: { duration: 1, scenario: "loadtest.py" } } } }),
    );
    await writeFile(
      join(dir, "loadtest.py"),
      `import molotov\nopen(${JSON.stringify(marker())}, "w").close()\n\n@molotov.scenario(weight=100)\nasync def s(session):\n    pass\n`,
    );
  }
});
afterAll(async () => {
  await dd?.close();
  await rm(root, { recursive: true, force: true });
});

const entity = (name: string, dogdriver: unknown) => ({
  apiVersion: "v3",
  kind: "service",
  metadata: { name, owner: "storage" },
  extensions: { dogdriver },
});
const block = (repo: unknown, env = "stage") => ({
  env,
  endpoint: "http://127.0.0.1:9",
  version: "1.0.0",
  test: { repo },
});

/** `dogdriver <args>` in the runner's working directory, with the catalog and discover block given. */
const cli = async (args: string[], entities: object[], discover: object = {}) => {
  dd.reset();
  dd.setCatalog(entities as Record<string, unknown>[]);
  await writeFile(
    join(cwd, "dogdriver.config.json"),
    JSON.stringify({ store: "file://./store", discover: { datadog: true, ...discover } }),
  );
  const deps = testDeps({
    cwd,
    env: {
      PATH: process.env.PATH,
      HOME: root,
      DD_API_KEY: dd.apiKey,
      DD_APP_KEY: dd.appKey,
      DOGDRIVER_DD_URL: dd.url,
    },
  });
  const exit = await main(args, deps, "0.0.0");
  const listed = deps.stdout
    .text()
    .split("\n")
    .filter(Boolean)
    .map((line) => line.split(" ")[0]);
  const skipped = Object.fromEntries(
    [...deps.stderr.text().matchAll(/catalog entity "([^"]+)": (\S+): (.*); skipped/g)].map((m) => [
      m[1],
      `${m[2]}: ${m[3]}`,
    ]),
  );
  return { exit, listed, skipped, stderr: deps.stderr.text(), stdout: deps.stdout.text() };
};

const imported = () =>
  access(marker()).then(
    () => true,
    () => false,
  );

describe("a catalog entity's test.repo", () => {
  it("is a remote repository URL; local directories and git's program-running transports are skipped, named", async () => {
    const refused: [string, string][] = [
      ["relative", "../elsewhere/loadtest"],
      ["traversal", `../../../../../../..${scenarioDir()}`],
      ["dot", "./"],
      ["absolute", scenarioDir()],
      ["etc", "/etc"],
      ["file-url", `file://${scenarioDir()}`],
      ["ext", "ext::sh -c touch% /tmp/pwned"],
      ["fd", "fd::17"],
      ["proxy", "ssh://-oProxyCommand=touch%20/tmp/pwned/x"],
      ["encoded", "ssh://%2DoProxyCommand=touch%20/tmp/pwned/x"],
      ["scp-host", "git@-oProxyCommand:x"],
      ["upload-pack", "--upload-pack=touch /tmp/pwned"],
    ];
    const remote = REMOTE.map((repo, i) => entity(`remote-${i}`, block(repo)));
    const { exit, listed, skipped } = await cli(
      ["run", "--all", "--list"],
      [...remote, ...refused.map(([name, repo]) => entity(name, block(repo)))],
    );
    expect(exit).toBe(0);
    expect(listed.sort()).toEqual(REMOTE.map((_, i) => `remote-${i}`));
    expect(Object.keys(skipped).sort()).toEqual(refused.map(([name]) => name).sort());
    for (const [name] of refused)
      expect(skipped[name]).toMatch(/^extensions\.dogdriver\.test\.repo: expected /);
    for (const name of ["relative", "traversal", "dot", "absolute", "etc", "file-url"])
      expect(skipped[name]).toContain(
        "a catalog entity names a local directory only where discover.local_repo_dirs allows it",
      );
    expect(skipped.ext).toContain('"transport::address" form runs a program');
    expect(skipped.proxy).toContain('host and user do not start with "-"');
    expect(skipped.encoded).toContain('host and user do not start with "-"');
  });

  it("inside discover.local_repo_dirs may be an absolute directory, and only that", async () => {
    const inside = join(allowed(), "kinto");
    const { listed, skipped } = await cli(
      ["run", "--all", "--list"],
      [
        entity("inside", block(inside)),
        entity("inside-url", block(`file://${inside}`)),
        entity("remote", block(REMOTE[0])),
        entity("climbs-out", block(`${allowed()}/../elsewhere/loadtest`)),
        entity("prefix-only", block(join(`${allowed()}-evil`, "kinto"))),
        entity("relative", block("../../allowed/kinto")),
        entity("etc", block("/etc")),
      ],
      { local_repo_dirs: [allowed()] },
    );
    expect(listed.sort()).toEqual(["inside", "inside-url", "remote"]);
    expect(Object.keys(skipped).sort()).toEqual(["climbs-out", "etc", "prefix-only", "relative"]);
    expect(skipped.etc).toContain(`an absolute directory inside discover.local_repo_dirs (${allowed()})`);
  });

  it("check never loads a local scenario a catalog entity names", async () => {
    for (const repo of [`../../elsewhere/loadtest`, scenarioDir()]) {
      const { stdout, stderr } = await cli(["check", "--json"], [entity("sneaky", block(repo))]);
      expect(await imported(), stderr).toBe(false);
      const report = JSON.parse(stdout) as CheckReport;
      expect(report.checks.filter((r) => r.check === "discover").map((r) => r.status)).toEqual([
        "ok",
        "warn",
      ]);
      expect(report.checks.find((r) => r.check === "discover" && r.status === "warn")?.detail).toContain(
        'catalog entity "sneaky": extensions.dogdriver.test.repo',
      );
    }
  }, 60_000);
});

describe("an extensions.dogdriver list", () => {
  it("keeps its good entries when others are malformed: each bad one is named and skipped alone", async () => {
    const { listed, stderr } = await cli(
      ["run", "--all", "--list"],
      [entity("mixed", [{ env: 7 }, block(REMOTE[0], "prod"), block("/etc", "stage")])],
    );
    expect(listed).toEqual(["mixed"]);
    expect(stderr).toContain('catalog entity "mixed": extensions.dogdriver[0].env: ');
    expect(stderr).toContain('catalog entity "mixed": extensions.dogdriver[2].test.repo: expected a remote');
    expect(stderr).not.toContain("extensions.dogdriver[1]");
  });
});
