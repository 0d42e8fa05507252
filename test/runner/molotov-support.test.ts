import { describe, expect, it } from "vitest";
import {
  type FoundVersions,
  parseVersions,
  probeSteps,
  unsupportedVersions,
} from "../../src/runner/molotov-support.js";

// Which Molotov and Python pairs dogdriver refuses before a test starts (docs/runner.md, "Molotov versions").

describe("unsupportedVersions", () => {
  const ok: [string, FoundVersions][] = [
    ["Debian's 2.1 (patched gather) on 3.11", { molotov: "2.1", python: "3.11.2", gatherPassesLoop: false }],
    ["2.3 as published on 3.9", { molotov: "2.3", python: "3.9.18", gatherPassesLoop: true }],
    ["2.7 on 3.13", { molotov: "2.7", python: "3.13.0", gatherPassesLoop: false }],
    ["2.4 as published on 3.8", { molotov: "2.4", python: "3.8.18", gatherPassesLoop: true }],
    ["a version it cannot read", { molotov: "(unknown)", python: "3.11.2" }],
    ["nothing found (the run says why)", {}],
  ];
  it.each(ok)("runs %s", (_, found) => {
    expect(unsupportedVersions(found, "/py")).toBeUndefined();
  });

  const refused: [string, FoundVersions, string][] = [
    ["Molotov 1.6", { molotov: "1.6", python: "3.11.2" }, "Molotov 1.6 is older than 2.1"],
    [
      "Molotov 2.0",
      { molotov: "2.0", python: "3.9.18", gatherPassesLoop: true },
      "Molotov 2.0 is older than 2.1",
    ],
    ["Molotov 3.0", { molotov: "3.0", python: "3.11.2" }, "Molotov 3.0 is newer than 2.x"],
    ["Python 3.7", { python: "3.7.16" }, "Python 3.7.16 is older than 3.8"],
    ["Python 3.14", { molotov: "2.7", python: "3.14.0" }, "Python 3.14.0 is newer than 3.13"],
    [
      "2.4 as published on 3.10",
      { molotov: "2.4", python: "3.10.13", gatherPassesLoop: true },
      "Molotov 2.4 passes loop= to asyncio.gather, which Python 3.10 removed",
    ],
  ];
  it.each(refused)("refuses %s, naming what it found and what runs", (_, found, why) => {
    expect(unsupportedVersions(found, "/py")).toBe(
      `Molotov ${found.molotov ?? "(not found)"} on Python ${found.python} (/py) is not supported: ${why}. ` +
        "dogdriver runs on Molotov 2.x from 2.1 (before 3.0) on Python 3.8 to 3.13, except Molotov 2.1 to 2.4 " +
        "as published, which need Python 3.9 or older (Debian's python3-molotov 2.1 is patched for its Python); " +
        "install a supported Molotov (pip install 'molotov>=2.5,<3') or set DOGDRIVER_PYTHON to a Python that has one",
    );
  });
});

describe("parseVersions", () => {
  // The versions come from package metadata a test's requirements chose, and reach the terminal in the refusal.
  it("keeps a version printable and short", () => {
    const found = parseVersions(
      probeSteps(`PROBE python 3.11.2\nPROBE molotov 9.0\x1b[2J${"9".repeat(100)}\n`),
    );
    expect(found.python).toBe("3.11.2");
    expect(found.molotov).not.toContain("\x1b");
    expect(found.molotov?.length).toBeLessThanOrEqual(40);
    expect(found.molotov?.startsWith("9.0")).toBe(true);
  });
});
