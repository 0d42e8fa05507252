import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkoutTest } from "../../src/runner/test-checkout.js";
import { redactUrl } from "../../src/text/redact-url.js";

// Real git: a repository on disk cloned over file://, as a remote would be.

describe("checkoutTest", () => {
  let root: string;
  let upstream: string;
  const env = { PATH: process.env.PATH, HOME: "/nonexistent" };
  const git = (...args: string[]) =>
    execa("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...args], {
      cwd: upstream,
      env,
      extendEnv: false,
    });
  const input = (test: { repo: string; ref?: string }) => ({
    test: { name: "dogdriver", ...test },
    cwd: root,
    cacheDir: join(root, "cache"),
    env,
    signal: new AbortController().signal,
  });

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "dogdriver-checkout-"));
    upstream = join(root, "upstream");
    await execa("git", ["init", "--quiet", "--initial-branch=main", upstream]);
    await writeFile(join(upstream, "molotov.json"), '{"v": 1}');
    await git("add", ".");
    await git("commit", "--quiet", "-m", "one");
    await git("tag", "v1");
    await writeFile(join(upstream, "molotov.json"), '{"v": 2}');
    await git("commit", "--quiet", "-am", "two");
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it("clones once, pins a ref, and follows the default branch after fetching", async () => {
    const url = `file://${upstream}`;
    const pinned = await checkoutTest(input({ repo: url, ref: "v1" }));
    expect(await readFile(join(pinned, "molotov.json"), "utf8")).toBe('{"v": 1}');
    await writeFile(join(pinned, "leftover.pyc"), "x");

    const head = await checkoutTest(input({ repo: url }));
    expect(head).toBe(pinned); // the cached clone, not a second one
    expect(await readFile(join(head, "molotov.json"), "utf8")).toBe('{"v": 2}');
    expect(await stat(join(head, "leftover.pyc")).catch(() => undefined)).toBeUndefined();

    await writeFile(join(upstream, "molotov.json"), '{"v": 3}');
    await git("commit", "--quiet", "-am", "three");
    expect(
      await readFile(join(await checkoutTest(input({ repo: url, ref: "main" })), "molotov.json"), "utf8"),
    ).toBe('{"v": 3}');
  });

  it("uses a local directory in place", async () => {
    expect(await checkoutTest(input({ repo: "./upstream" }))).toBe(upstream);
  });

  it.each([
    [
      "-uupload-pack=touch /tmp/pwned",
      'test.repo: expected a git URL or a directory (not empty, not starting with "-", one line), got "-uupload-pack=touch /tmp/pwned"',
    ],
    [
      "ext::sh -c touch% /tmp/pwned",
      'test.repo: expected an https://, http://, ssh://, git:// or file:// URL, or user@host:path (git\'s "transport::address" form runs a program), got "ext::sh -c touch% /tmp/pwned"',
    ],
    [
      "ssh://-oProxyCommand=touch%20/tmp/pwned/x",
      'test.repo: expected a URL whose host and user do not start with "-" (ssh reads them as options), got "ssh://-oProxyCommand=touch%20/tmp/pwned/x"',
    ],
    ["./nowhere", `test.repo: "./nowhere" is neither a git URL nor a directory (${"ROOT"}/nowhere)`],
  ])("refuses %s", async (repo, message) => {
    await expect(checkoutTest(input({ repo }))).rejects.toThrow(message.replace("ROOT", root));
  });

  it("names an unknown ref and keeps credentials out of clone errors", async () => {
    await expect(checkoutTest(input({ repo: `file://${upstream}`, ref: "nosuch" }))).rejects.toThrow(
      `test.ref: "nosuch" is not a branch, tag or commit of file://${upstream}`,
    );
    const failure = checkoutTest(input({ repo: "https://user:s3cret@127.0.0.1:9/repo.git" }));
    await expect(failure).rejects.toThrow(
      /^test\.repo https:\/\/\*\*\*@127\.0\.0\.1:9\/repo\.git: git clone failed: /,
    );
    await expect(failure).rejects.not.toThrow(/s3cret/);
  });

  it("says why an ssh clone failed, not git's closing advice", async () => {
    // With an ssh client: "ssh: connect to host 127.0.0.1 port 9: Connection refused fatal: Could not read...".
    const failure = checkoutTest(input({ repo: "ssh://git@127.0.0.1:9/repo.git" }));
    await expect(failure).rejects.toThrow(
      /^test\.repo ssh:\/\/\*\*\*@127\.0\.0\.1:9\/repo\.git: git clone failed: .*fatal: /,
    );
    await expect(failure).rejects.not.toThrow(/repository exists/);
  });

  it("removes user:password from every URL in a message", () => {
    expect(redactUrl("fatal: unable to access 'https://me:s3cret@example.com/r.git/': 403")).toBe(
      "fatal: unable to access 'https://***@example.com/r.git/': 403",
    );
  });
});
