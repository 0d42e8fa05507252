import { access, chmod, constants, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// The install's Molotov detection, run as the README's first command runs it (from the repository root), in
// environments where Molotov is absent: it must say so, and install.sh must then ask apt-get for it. The
// "absent" Python is the machine's own with -S (no site-packages, so no Debian molotov): no other Python needed.

const ROOT = resolve(import.meta.dirname, "../..");
const SYSTEM_PYTHON = "/usr/bin/python3";

describe("Molotov detection (scripts/molotov-check.sh, scripts/install.sh)", () => {
  let bin: string;
  let log: string;
  beforeAll(async () => {
    bin = await mkdtemp(join(tmpdir(), "dogdriver-install-bin-"));
    log = join(bin, "calls.log");
    // A python3 that cannot see molotov, and only the tools install.sh needs before npm.
    await writeFile(join(bin, "python3"), `#!/bin/sh\nexec ${SYSTEM_PYTHON} -S "$@"\n`);
    await writeFile(join(bin, "apt-get"), `#!/bin/sh\necho "apt-get $*" >> ${log}\n`);
    await writeFile(join(bin, "sudo"), `#!/bin/sh\nexec "$@"\n`);
    for (const name of ["python3", "apt-get", "sudo"]) await chmod(join(bin, name), 0o755);
    for (const tool of ["bash", "dirname", "id", "head", "git"]) {
      const { stdout } = await execa("sh", ["-c", `command -v ${tool}`]);
      await symlink(stdout.trim(), join(bin, tool));
    }
  });
  afterAll(() => rm(bin, { recursive: true, force: true }));

  const detect = (env: Record<string, string>, cwd = ROOT) =>
    execa("bash", [join(ROOT, "scripts/molotov-check.sh")], { cwd, env, extendEnv: false, reject: false });

  it("reports Molotov missing from the repository root when PATH and PYTHONPATH lack it", async () => {
    const result = await detect({ PATH: bin, PYTHONPATH: "" });
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toBe("");
  });

  it("is not fooled by a folder named molotov in the working directory (a namespace package)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "dogdriver-shadow-"));
    try {
      await mkdir(join(dir, "molotov"));
      // The trap is real: a plain import from that directory succeeds with no Molotov installed...
      const plain = await execa(join(bin, "python3"), ["-c", "import molotov"], { cwd: dir, reject: false });
      expect(plain.exitCode).toBe(0);
      // ...and the detection still says missing.
      expect((await detect({ PATH: bin }, dir)).exitCode).toBe(1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("reports it missing for a DOGDRIVER_PYTHON without it, found for one with it", async () => {
    expect((await detect({ PATH: "/usr/bin:/bin", DOGDRIVER_PYTHON: join(bin, "python3") })).exitCode).toBe(
      1,
    );
    const found = await detect({ PATH: "/usr/bin:/bin", DOGDRIVER_PYTHON: SYSTEM_PYTHON });
    expect(found.exitCode).toBe(0);
    expect(found.stdout).toMatch(/^\/usr\/bin\/python3 \d+\.\d+/);
  });

  it("finds it through the shebang of the molotov on PATH, as the runner does", async () => {
    const found = await detect({ PATH: "/usr/bin:/bin" });
    expect(found.exitCode).toBe(0);
    expect(found.stdout).toMatch(/python3 \d+\.\d+/);
  });

  it("install.sh asks apt-get for python3-molotov when it is missing, and stops when it is still missing", async () => {
    await rm(log, { force: true });
    const result = await execa("bash", [join(ROOT, "scripts/install.sh")], {
      cwd: ROOT,
      env: { PATH: bin, PYTHONPATH: "" },
      extendEnv: false,
      reject: false,
    });
    expect(await readFile(log, "utf8")).toMatch(
      /^apt-get update -qq\napt-get install -y -qq python3-molotov\n$/,
    );
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain("install: apt-get install python3-molotov");
    expect(result.stderr).toContain("Molotov is still not importable by the Python the runner uses");
  });

  it("install.sh without apt-get says how to put Molotov in a virtualenv, and finds it there through DOGDRIVER_PYTHON", async () => {
    const noApt = await mkdtemp(join(tmpdir(), "dogdriver-install-noapt-"));
    try {
      for (const name of ["python3", "bash", "dirname", "id", "head", "git"])
        await symlink(join(bin, name), join(noApt, name));
      const run = (env: Record<string, string>) =>
        execa("bash", [join(ROOT, "scripts/install.sh")], {
          cwd: ROOT,
          env: { PATH: noApt, PYTHONPATH: "", ...env },
          extendEnv: false,
          reject: false,
        });
      const missing = await run({});
      expect(missing.exitCode).toBe(1);
      expect(missing.stderr).toContain(
        "install: please install Molotov; without apt-get, Molotov goes into a virtualenv: python3 -m venv ~/.venvs/molotov && ~/.venvs/molotov/bin/pip install 'molotov>=2.5,<3', then export DOGDRIVER_PYTHON=~/.venvs/molotov/bin/python and run this again",
      );
      // A virtualenv that sees a Molotov (here Debian's, through its system site-packages) as DOGDRIVER_PYTHON:
      // install.sh gets past Molotov and on to npm, which this PATH does not have.
      const venv = join(noApt, "venv");
      await execa(SYSTEM_PYTHON, ["-m", "venv", "--system-site-packages", "--without-pip", venv]);
      const found = await run({ DOGDRIVER_PYTHON: join(venv, "bin", "python") });
      expect(found.stderr).not.toContain("please install");
      expect(found.stderr).toContain("install: npm ci");
    } finally {
      await rm(noApt, { recursive: true, force: true });
    }
  });

  it("the README's first command is the quickstart script, which runs install.sh", async () => {
    const readme = await readFile(join(ROOT, "README.md"), "utf8");
    expect(readme).toContain("./scripts/quickstart.sh");
    expect(readme).toContain("python3-molotov");
    await access(join(ROOT, "scripts/quickstart.sh"), constants.X_OK);
    expect(await readFile(join(ROOT, "scripts/quickstart.sh"), "utf8")).toContain("./scripts/install.sh");
  });
});
