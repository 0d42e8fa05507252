import { createHash, randomUUID } from "node:crypto";
import { readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { DogdriverError } from "../errors.js";
import { childEnv } from "./child-env.js";

// A test's `requirements` go into a virtualenv made from the Python that has molotov, with its system
// site-packages visible (so molotov and aiohttp come from there). Virtualenvs are cached by the content of the
// requirements file and the interpreter; a half-made one is deleted, never reused.

const PIP_TIMEOUT_MS = 10 * 60_000;
const READY = ".dogdriver-ready";

// A virtualenv made from a virtualenv's python (Molotov installed with pip into one, docs/runner.md) is one of the
// base interpreter: it sees the base's site-packages, not that Molotov (on Debian it would find Debian's 2.1). The
// first prints the site-packages of the Python that has molotov when it is itself a virtualenv; the second, run
// by the new one, puts them in a .pth file, ahead of the base's (site.addsitedir also reads their .pth files).
const PARENT_SITE = [
  "import site, sys",
  "if sys.prefix != sys.base_prefix:",
  "    print('\\n'.join(d for d in site.getsitepackages() if d.startswith(sys.prefix)))",
].join("\n");
const WRITE_PTH = [
  "import os, sys, sysconfig",
  "lines = ['import site; site.addsitedir(%r)\\n' % d for d in sys.argv[1:]]",
  "with open(os.path.join(sysconfig.get_paths()['purelib'], '_dogdriver_parent.pth'), 'w') as out:",
  "    out.write(''.join(lines))",
].join("\n");

const tail = (text: string, lines = 3) =>
  text
    .trim()
    .split("\n")
    .filter((l) => l.trim())
    .slice(-lines)
    .join(" | ");

export interface VirtualenvInput {
  python: string;
  requirements: string;
  cacheDir: string;
  env: Record<string, string | undefined>;
  signal: AbortSignal;
}

/** The virtualenv's python, with the requirements installed. */
export const ensureVirtualenv = async ({
  python,
  requirements,
  cacheDir,
  env,
  signal,
}: VirtualenvInput): Promise<string> => {
  let content: string;
  try {
    content = await readFile(requirements, "utf8");
  } catch (error) {
    throw new DogdriverError(
      "invalid_input",
      `${requirements}: cannot read the requirements file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    );
  }
  const key = createHash("sha256").update(python).update("\0").update(content).digest("hex").slice(0, 24);
  const dir = join(cacheDir, "venvs", key);
  const venvPython = join(dir, "bin", "python");
  if (
    await stat(join(dir, READY)).then(
      () => true,
      () => false,
    )
  )
    return venvPython;

  const partial = `${dir}.partial-${randomUUID()}`;
  const run = async (file: string, args: string[], what: string) => {
    const { execa } = await import("execa"); // loaded only when a virtualenv is built
    const result = await execa(file, args, {
      env: { ...childEnv(env), PIP_DISABLE_PIP_VERSION_CHECK: "1" },
      extendEnv: false,
      reject: false,
      stdin: "ignore",
      timeout: PIP_TIMEOUT_MS,
      cancelSignal: signal,
      all: true,
    });
    if (result.exitCode === 0) return String(result.stdout ?? "");
    await rm(partial, { recursive: true, force: true });
    if (signal.aborted) throw new DogdriverError("interrupted", `${what}: interrupted`);
    throw new DogdriverError(
      "load_test_failed",
      `${what} failed (exit ${result.exitCode ?? result.signal}): ${tail(String(result.all ?? "")) || "no output"}`,
    );
  };
  await run(python, ["-m", "venv", "--system-site-packages", partial], `${python} -m venv`);
  const partialPython = join(partial, "bin", "python");
  const parentSite = (await run(python, ["-c", PARENT_SITE], `${python} (its site-packages)`))
    .split("\n")
    .filter(Boolean);
  if (parentSite.length > 0)
    await run(partialPython, ["-c", WRITE_PTH, ...parentSite], `${partialPython} (the .pth file)`);
  await run(
    partialPython,
    ["-m", "pip", "install", "--quiet", "--no-input", "--requirement", requirements],
    `pip install --requirement ${requirements}`,
  );
  await writeFile(join(partial, READY), "");
  await rm(dir, { recursive: true, force: true });
  // venv scripts embed their own path, so the venv is made at a temporary path and only its python is used
  // (python resolves its prefix from pyvenv.cfg next to it, which holds no path).
  await rename(partial, dir);
  return venvPython;
};
