import { createHash, randomUUID } from "node:crypto";
import { mkdir, rename, rm, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { readTestRepo } from "../config/test-repo.js";
import type { TestSource } from "../config/types.js";
import { DogdriverError } from "../errors.js";
import { redactUrl } from "../text/redact-url.js";
import { safeText } from "../text/safe-text.js";
import { childEnv } from "./child-env.js";

// test.repo is a git URL (cloned into a cache, fetched again before each run) or a local directory (used in
// place). git runs through execa with an argument list, never a shell, and the URL always follows `--`.

const GIT_TIMEOUT_MS = 5 * 60_000;

/** True for what dogdriver clones; false for what it treats as a local directory. Throws on anything else. */
const isGitUrl = (repo: string): boolean => {
  // The config and the catalog were read with the same rule: this guards callers that skip them.
  const read = readTestRepo(repo);
  if (read.kind === "refused")
    throw new DogdriverError(
      "invalid_config",
      `test.repo: ${read.problem}, got "${safeText(redactUrl(repo), 200)}"`,
    );
  return read.kind === "git";
};

const git = async (
  args: string[],
  cwd: string,
  env: Record<string, string | undefined>,
  signal: AbortSignal,
) => {
  const { execa } = await import("execa"); // loaded only when git runs: a run starts ~0.1 s sooner
  const result = await execa("git", ["-c", "protocol.ext.allow=never", ...args], {
    cwd,
    env: { ...childEnv(env), GIT_TERMINAL_PROMPT: "0" },
    extendEnv: false,
    reject: false,
    stdin: "ignore",
    timeout: GIT_TIMEOUT_MS,
    cancelSignal: signal,
  });
  if (signal.aborted) throw new DogdriverError("interrupted", `git ${args[0]}: interrupted`);
  return result;
};

/**
 * What git said went wrong: up to its last `fatal:` line, with the line before it (ssh's own reason); git's
 * "Please make sure you have the correct access rights" advice after it says nothing about this failure.
 */
const gitProblem = (stderr: string) => {
  const lines = stderr
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  const fatal = lines.findLastIndex((l) => /^(fatal|error):/.test(l));
  return (fatal < 0 ? lines.slice(-1) : lines.slice(Math.max(0, fatal - 1), fatal + 1)).join(" ");
};

const exists = async (path: string) =>
  stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );

export interface CheckoutInput {
  test: TestSource;
  /** Local directories are relative to this. */
  cwd: string;
  cacheDir: string;
  env: Record<string, string | undefined>;
  signal: AbortSignal;
}

/** The directory holding molotov.json for this test, cloned or updated when test.repo is a git URL. */
export const checkoutTest = async ({ test, cwd, cacheDir, env, signal }: CheckoutInput): Promise<string> => {
  if (!isGitUrl(test.repo)) {
    const dir = resolve(cwd, test.repo);
    if (!(await exists(dir))) {
      throw new DogdriverError(
        "invalid_config",
        `test.repo: "${test.repo}" is neither a git URL nor a directory (${dir})`,
      );
    }
    return dir;
  }
  const shown = redactUrl(test.repo);
  const fail = (what: string, stderr: string): never => {
    throw new DogdriverError(
      "load_test_failed",
      `test.repo ${shown}: ${what}: ${redactUrl(gitProblem(stderr)) || "git failed"}`,
    );
  };
  const dir = join(cacheDir, "tests", createHash("sha256").update(test.repo).digest("hex").slice(0, 24));
  if (await exists(join(dir, ".git"))) {
    const fetched = await git(
      ["fetch", "--quiet", "--prune", "--tags", "--force", "origin"],
      dir,
      env,
      signal,
    );
    if (fetched.exitCode !== 0) fail("git fetch failed", String(fetched.stderr));
  } else {
    // Clone next to the final place and rename, so an interrupted clone never looks like a checkout.
    await mkdir(join(cacheDir, "tests"), { recursive: true });
    const partial = `${dir}.partial-${randomUUID()}`;
    await rm(partial, { recursive: true, force: true });
    const cloned = await git(
      ["clone", "--quiet", "--no-checkout", "--", test.repo, partial],
      cacheDir,
      env,
      signal,
    );
    if (cloned.exitCode !== 0) {
      await rm(partial, { recursive: true, force: true });
      fail("git clone failed", String(cloned.stderr));
    }
    await rm(dir, { recursive: true, force: true });
    await rename(partial, dir);
  }
  const wanted = test.ref === undefined ? ["origin/HEAD"] : [`origin/${test.ref}`, test.ref];
  let commit: string | undefined;
  for (const candidate of wanted) {
    const parsed = await git(
      ["rev-parse", "--verify", "--quiet", "--end-of-options", `${candidate}^{commit}`],
      dir,
      env,
      signal,
    );
    if (parsed.exitCode === 0) {
      commit = String(parsed.stdout).trim();
      break;
    }
  }
  if (commit === undefined) {
    throw new DogdriverError(
      "invalid_config",
      `test.ref: "${test.ref ?? "HEAD"}" is not a branch, tag or commit of ${shown}`,
    );
  }
  const checkedOut = await git(["checkout", "--quiet", "--force", "--detach", commit], dir, env, signal);
  if (checkedOut.exitCode !== 0) fail(`git checkout ${commit} failed`, String(checkedOut.stderr));
  // Files a previous run left (e.g. __pycache__) must not change this one.
  await git(["clean", "-fdxq"], dir, env, signal);
  return dir;
};
