import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load.js";
import { DogdriverError } from "../../src/errors.js";

// A configuration file's test.repo: a git URL or a local directory, as the file says (relative to the working
// directory, or absolute); never one of git's transports that run programs. Those are refused when the file is
// read (exit 3, naming the key), before `run --list` shows them or `check` and `run` reach git.

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "dogdriver-test-repo-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const load = async (repo: string, discover?: object) => {
  const config = {
    services: [{ name: "kinto", env: "stage", endpoint: "https://kinto.example.com", test: { repo } }],
    ...(discover === undefined ? {} : { discover }),
  };
  await writeFile(join(dir, "dogdriver.config.json"), JSON.stringify(config));
  return loadConfig({ file: "dogdriver.config.json", cwd: dir, env: {}, hostname: "ci" });
};

describe("a configuration file's test.repo", () => {
  it.each([
    "./loadtests",
    "loadtests",
    "../../elsewhere/loadtests",
    "/srv/loadtests/kinto",
    "my tests/kinto",
    "file:///srv/loadtests/kinto.git",
    "https://github.com/example/kinto-loadtests",
    "https://user:token@github.com/example/kinto-loadtests",
    "http://git.internal/kinto.git",
    "ssh://git@github.com/example/kinto-loadtests.git",
    "ssh://git@[::1]:2222/kinto.git",
    "git://git.internal/kinto.git",
    "git@github.com:example/kinto-loadtests.git",
  ])("takes %s", async (repo) => {
    expect((await load(repo)).services[0]?.test.repo).toBe(repo);
  });

  it.each([
    ["ext::sh -c touch% /tmp/pwned", /services\[0\]\.test\.repo: .*"transport::address" form runs a program/],
    ["fd::17", /"transport::address"/],
    ["transport::https://github.com/x", /"transport::address"/],
    ["ssh://-oProxyCommand=touch%20/tmp/pwned/x", /host and user do not start with "-"/],
    ["SSH://-oProxyCommand=x/y", /host and user do not start with "-"/],
    ["ssh://%2DoProxyCommand=x/y", /host and user do not start with "-"/],
    ["ssh://-oProxyCommand=x@host/y", /host and user do not start with "-"/],
    ["git@-oProxyCommand:x", /host and user do not start with "-"/],
    ["-uupload-pack=touch /tmp/pwned", /not starting with "-"/],
    ["--upload-pack=touch /tmp/pwned", /not starting with "-"/],
    ["loadtests\n--upload-pack=x", /one line/],
    ["gopher://example.com/x", /expected an https:\/\/, http:\/\/, ssh:\/\/, git:\/\/ or file:\/\/ URL/],
    ["https:///nohost", /with a host/],
    ["file://otherhost/srv/x", /file:\/\/\/absolute\/path/],
    ["github.com:example/x", /or a directory/],
  ])("refuses %j where the file is read, naming the key (exit 3)", async (repo, message) => {
    const error = await load(repo).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DogdriverError);
    expect((error as DogdriverError).code).toBe("invalid_config");
    expect((error as DogdriverError).details.join("\n")).toMatch(message);
    expect((error as DogdriverError).details[0]).toMatch(/^services\[0\]\.test\.repo: /);
  });

  it("never quotes a URL's credentials in the message", async () => {
    const error = (await load("ssh://me:s3cret@-oProxyCommand=x/y").catch((e) => e)) as DogdriverError;
    expect(error.details.join("\n")).toContain('got "ssh://***@-oProxyCommand=x/y"');
    expect(error.details.join("\n")).not.toContain("s3cret");
  });
});

describe("discover.local_repo_dirs", () => {
  it("takes absolute directories", async () => {
    const config = await load("./lt", { datadog: true, local_repo_dirs: ["/srv/loadtests", "/opt/lt/"] });
    expect(config.discover?.localRepoDirs).toEqual(["/srv/loadtests", "/opt/lt/"]);
  });

  it.each([["loadtests"], ["./lt"], [""], [7]])("refuses %j, naming the key", async (value) => {
    const error = (await load("./lt", { datadog: true, local_repo_dirs: [value] }).catch(
      (e) => e,
    )) as DogdriverError;
    expect(error.details.join("\n")).toMatch(
      /^discover\.local_repo_dirs\[0\]: expected an absolute directory/,
    );
  });
});
