import { safeText } from "../text/safe-text.js";

// Which Molotov and Python dogdriver runs on, and the one message for the others (docs/runner.md, "Molotov
// versions"). The capture extension hooks aiohttp's ClientSession._request and molotov's Worker.step, which every
// Molotov 2.x has; 2.0's run() hands back no counters (the bootstrap's only way to them), Molotov 1.x and a future
// 3 are refused rather than guessed at. Python: 3.8 is the first with
// importlib.metadata (the version probe's), 3.13 the newest verified; Python 3.14 turns asyncio.get_event_loop()
// without a running loop into an error, and molotov calls it. Molotov 2.1 to 2.4 as published pass `loop=` to
// asyncio.gather, which Python 3.10 removed: they crash at the first run there. Debian's python3-molotov 2.1 is
// patched for that, so the probe reads molotov's own runner.py rather than trusting the version number.

/**
 * The probe's lines: `PROBE python X.Y.Z`, `PROBE molotov V`, `PROBE gather_loop 0|1`, in that order. It reads
 * Molotov's metadata and its runner.py without importing them (aiohttp's import is most of a Python start's cost).
 */
export const VERSIONS_PROBE = [
  "import importlib.util, re, sys",
  "print('PROBE python', '%d.%d.%d' % sys.version_info[:3], flush=True)",
  "from importlib.metadata import version",
  "print('PROBE molotov', version('molotov'), flush=True)",
  "try:",
  "    with open(importlib.util.find_spec('molotov').submodule_search_locations[0] + '/runner.py') as f:",
  "        passes_loop = re.search(r'asyncio\\.gather\\([^)]*\\bloop=', f.read()) is not None",
  "except Exception:",
  "    passes_loop = False",
  "print('PROBE gather_loop', int(passes_loop), flush=True)",
].join("\n");

export interface FoundVersions {
  /** "3.11.2" */
  python?: string;
  /** Molotov's version as its package metadata says ("2.1", "2.7"). */
  molotov?: string;
  /** Molotov's Runner.gather passes `loop=` to asyncio.gather (Molotov 2.0 to 2.4 as published). */
  gatherPassesLoop?: boolean;
}

/** The probe's `PROBE name value` lines of `stdout`, by name. */
export const probeSteps = (stdout: string): Map<string, string | undefined> =>
  new Map(
    stdout
      .split("\n")
      .filter((l) => l.startsWith("PROBE "))
      .map((l) => [l.split(" ")[1] ?? "", l.split(" ")[2]] as const),
  );

/** A version as the probe printed it, printable and short: package metadata a test's requirements chose. */
const versionText = (v: string): string => safeText(v, 40);

/** What the probe's lines say about the versions. */
export const parseVersions = (steps: ReadonlyMap<string, string | undefined>): FoundVersions => ({
  ...(steps.get("python") ? { python: versionText(steps.get("python") as string) } : {}),
  ...(steps.get("molotov") ? { molotov: versionText(steps.get("molotov") as string) } : {}),
  ...(steps.has("gather_loop") ? { gatherPassesLoop: steps.get("gather_loop") === "1" } : {}),
});

const SUPPORTED_VERSIONS =
  "Molotov 2.x from 2.1 (before 3.0) on Python 3.8 to 3.13, except Molotov 2.1 to 2.4 as published, which need Python 3.9 or older (Debian's python3-molotov 2.1 is patched for its Python)";

/** The pip command that installs a Molotov dogdriver runs on (where Debian's python3-molotov is not at hand). */
export const PIP_INSTALL = "pip install 'molotov>=2.5,<3'";

const INSTALL = `install a supported Molotov (${PIP_INSTALL}) or set DOGDRIVER_PYTHON to a Python that has one`;

const majorMinor = (version: string): [number, number] | undefined => {
  const match = /^(\d+)\.(\d+)/.exec(version);
  return match ? [Number(match[1]), Number(match[2])] : undefined;
};

const before = ([a, b]: [number, number], [c, d]: [number, number]) => a < c || (a === c && b < d);

/** Why this Molotov and Python cannot run dogdriver's tests, or undefined when they can (or cannot be told). */
export const unsupportedVersions = (found: FoundVersions, python: string): string | undefined => {
  const py = found.python === undefined ? undefined : majorMinor(found.python);
  const molotov = found.molotov === undefined ? undefined : majorMinor(found.molotov);
  let why: string | undefined;
  if (py && before(py, [3, 8])) why = `Python ${found.python} is older than 3.8`;
  else if (py && !before(py, [3, 14])) why = `Python ${found.python} is newer than 3.13`;
  else if (molotov && before(molotov, [2, 1])) why = `Molotov ${found.molotov} is older than 2.1`;
  else if (molotov && !before(molotov, [3, 0])) why = `Molotov ${found.molotov} is newer than 2.x`;
  else if (py && found.gatherPassesLoop && !before(py, [3, 10]))
    why = `Molotov ${found.molotov} passes loop= to asyncio.gather, which Python 3.10 removed`;
  if (why === undefined) return undefined;
  const what = `Molotov ${found.molotov ?? "(not found)"} on Python ${found.python} (${python})`;
  return `${what} is not supported: ${why}. dogdriver runs on ${SUPPORTED_VERSIONS}; ${INSTALL}`;
};
