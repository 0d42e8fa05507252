import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findPython } from "../../src/runner/runner-parts.js";

describe("findPython", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "dogdriver-python-"));
    const script = async (sub: string, text: string) => {
      await mkdir(join(dir, sub));
      await writeFile(join(dir, sub, "molotov"), text);
      await chmod(join(dir, sub, "molotov"), 0o755);
    };
    await script("shim", '#!/usr/bin/env bash\nexec pyenv exec "$0" "$@"\n');
    await script("debian", "#!/usr/bin/python3\n# -*- coding: utf-8 -*-\n");
    await script("venv", "#!/usr/bin/env python3.11\n");
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("takes the Python from the first molotov script that names one, skipping shell shims", () => {
    expect(findPython({ PATH: `${join(dir, "shim")}:${join(dir, "debian")}:${join(dir, "venv")}` })).toBe(
      "/usr/bin/python3",
    );
    expect(findPython({ PATH: `${join(dir, "venv")}:${join(dir, "debian")}` })).toBe("python3.11");
  });

  it("prefers DOGDRIVER_PYTHON and falls back to python3", () => {
    expect(findPython({ PATH: join(dir, "debian"), DOGDRIVER_PYTHON: "/opt/py/bin/python" })).toBe(
      "/opt/py/bin/python",
    );
    expect(findPython({ PATH: join(dir, "shim") })).toBe("python3");
  });
});
