import { chmod, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";

// A Python that finds a stand-in `molotov` package of a given version before the real one: a shell script running
// Debian's python3 with the stand-in on PYTHONPATH. The version probe and the extension meet it as they would a
// real install (its package metadata says the version); it runs no test.

export interface StandIn {
  /** Molotov's version in its package metadata ("1.6", "3.0"). */
  version: string;
  /** Give it a Runner.gather that passes loop= to asyncio.gather, as Molotov 2.0 to 2.4 as published do. */
  gatherPassesLoop?: boolean;
}

/** Writes the stand-in under `dir` and returns the path of the python script to use as DOGDRIVER_PYTHON. */
export const standInMolotovPython = async (dir: string, { version, gatherPassesLoop }: StandIn) => {
  const site = join(dir, "site");
  await mkdir(join(site, "molotov"), { recursive: true });
  await mkdir(join(site, `molotov-${version}.dist-info`));
  await writeFile(join(site, "molotov", "__init__.py"), `__version__ = ${JSON.stringify(version)}\n`);
  await writeFile(
    join(site, `molotov-${version}.dist-info`, "METADATA"),
    `Metadata-Version: 2.1\nName: molotov\nVersion: ${version}\n`,
  );
  if (gatherPassesLoop)
    await writeFile(
      join(site, "molotov", "runner.py"),
      [
        "import asyncio",
        "class Runner:",
        "    def gather(self, *futures):",
        "        return asyncio.gather(*futures, loop=self.loop, return_exceptions=True)",
        "",
      ].join("\n"),
    );
  const python = join(dir, "python");
  await writeFile(python, `#!/bin/sh\nPYTHONPATH=${site} exec /usr/bin/python3 "$@"\n`);
  await chmod(python, 0o755);
  return python;
};
