import { execFileSync } from "node:child_process";
import { chmod, mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type HttpService, startHttpService } from "../support/http-service.js";
import { GET_SCENARIO, smokeTest, type Workspace, workspace } from "./runner-fixtures.js";

// What each real child of `run` receives, dumped by the child itself: git (a script in front of the real one on
// PATH), ssh (GIT_SSH_COMMAND, which then runs git-upload-pack locally), pip (a local package whose setup.py
// runs inside pip) and Molotov (the scenario). None may see a Datadog or AWS credential.

const SECRETS = {
  DD_API_KEY: "dd-api-secret",
  DD_APP_KEY: "dd-app-secret",
  DATADOG_API_KEY: "datadog-secret",
  AWS_ACCESS_KEY_ID: "aws-id-secret",
  AWS_SECRET_ACCESS_KEY: "aws-secret",
  AWS_SESSION_TOKEN: "aws-token-secret",
  CI_JOB_TOKEN: "ci-secret",
};

const readDump = async (path: string): Promise<Record<string, string>> => {
  const text = await readFile(path, "utf8");
  if (path.endsWith(".json")) return JSON.parse(text);
  return Object.fromEntries(
    text
      .split("\0")
      .filter((l) => l.includes("="))
      .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  );
};

describe("the environment of run's children", () => {
  let ws: Workspace;
  let target: HttpService;
  let dumps: string;
  beforeAll(async () => {
    ws = await workspace();
    target = await startHttpService({ delayMs: 1 });
    dumps = join(ws.dir, "dumps");
    const bin = join(ws.dir, "bin");
    await Promise.all([mkdir(dumps), mkdir(bin), mkdir(join(ws.dir, "pkg"))]);
    const realGit = execFileSync("sh", ["-c", "command -v git"], { encoding: "utf8" }).trim();
    await writeFile(join(bin, "git"), `#!/bin/sh\nenv -0 > "${dumps}/git-$$.env"\nexec ${realGit} "$@"\n`);
    // git calls it as: <command> [options] host "git-upload-pack '/path'"; the last argument is the command.
    await writeFile(
      join(bin, "fake-ssh"),
      `#!/bin/sh\nenv -0 > "${dumps}/ssh-$$.env"\nfor last; do :; done\nexec sh -c "$last"\n`,
    );
    await Promise.all([chmod(join(bin, "git"), 0o755), chmod(join(bin, "fake-ssh"), 0o755)]);
    await writeFile(
      join(ws.dir, "pkg", "setup.py"),
      `import json, os\nwith open(${JSON.stringify(join(dumps, "pip.json"))}, "w") as f:\n    json.dump(dict(os.environ), f)\nfrom setuptools import setup\nsetup(name="dumpenv", version="0.1")\n`,
    );

    // The load test, in a git repository reached over "ssh".
    const repo = join(ws.dir, "repo");
    const json = {
      molotov: { requirements: "requirements.txt", tests: smokeTest({ workers: 1 }).molotov.tests },
    };
    const scenario = `import json, os\nwith open(${JSON.stringify(join(dumps, "molotov.json"))}, "w") as f:\n    json.dump(dict(os.environ), f)\n${GET_SCENARIO()}`;
    await ws.testDir("repo", json, {
      "loadtest.py": scenario,
      "requirements.txt": `${join(ws.dir, "pkg")}\n`,
    });
    const git = (...args: string[]) => execFileSync(realGit, args, { cwd: repo, stdio: "ignore" });
    git("init", "--quiet", "--initial-branch=main");
    git("add", ".");
    git("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "--quiet", "-m", "test");

    await ws.config({
      store: "file://./store",
      services: [
        { name: "envsvc", env: "test", endpoint: target.url, test: { repo: `ssh://fakehost${repo}` } },
      ],
    });
  });
  afterAll(async () => {
    await Promise.all([target.close(), ws.cleanup()]);
  });

  it("git, ssh, pip and Molotov get the allow-list: no Datadog or AWS credential, GIT_SSH_COMMAND works", async () => {
    const deps = ws.deps();
    deps.env = {
      ...deps.env,
      ...SECRETS,
      PATH: `${join(ws.dir, "bin")}:${deps.env.PATH}`,
      GIT_SSH_COMMAND: join(ws.dir, "bin", "fake-ssh"),
      // pip builds the local package with the system setuptools (no index here) and runs its setup.py.
      PIP_USE_PEP517: "0",
      PIP_CONFIG_FILE: "/dev/null",
      PIP_INDEX_URL: "http://127.0.0.1:9/simple",
      PIP_RETRIES: "0",
      MY_TEST_TOKEN: "for-the-load-test",
      DOGDRIVER_CHILD_ENV: "MY_TEST_TOKEN,AWS_SECRET_ACCESS_KEY",
    };
    const { exit } = await ws.run({ services: ["envsvc"] }, deps);
    expect(deps.stderr.text()).not.toContain("FAILED");
    expect(exit).toBe(0);

    const files = await readdir(dumps);
    const byChild = {
      git: files.filter((f) => f.startsWith("git-")),
      ssh: files.filter((f) => f.startsWith("ssh-")),
      pip: files.filter((f) => f === "pip.json"),
      molotov: files.filter((f) => f === "molotov.json"),
    };
    for (const [child, found] of Object.entries(byChild)) expect(found.length, child).toBeGreaterThan(0);
    for (const [child, found] of Object.entries(byChild)) {
      for (const file of found) {
        const env = await readDump(join(dumps, file));
        const names = Object.keys(env);
        expect(
          names.filter((n) => /^(DD_|DATADOG_|AWS_)/.test(n) || n === "CI_JOB_TOKEN"),
          `${child} ${file}`,
        ).toEqual([]);
        const values = Object.values(env).join("\n");
        for (const secret of Object.values(SECRETS)) expect(values, `${child} ${file}`).not.toContain(secret);
        expect(env.HOME, child).toBe(ws.dir);
        if (child === "git" || child === "ssh")
          expect(env.GIT_SSH_COMMAND).toBe(join(ws.dir, "bin", "fake-ssh"));
        if (child === "molotov") expect(env.MY_TEST_TOKEN).toBe("for-the-load-test");
      }
    }
  }, 120_000); // a virtualenv and a pip build: about 10 s idle, several times that on a loaded machine
});
