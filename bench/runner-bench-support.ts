import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { execa, type ResultPromise } from "execa";

// Shared by the runner benchmarks: the built CLI and sample service (npm run build), a scratch workspace.

export const ROOT = resolve(import.meta.dirname, "../../..");
export const CLI = join(ROOT, "dist/cli.js");
/** The Python with Molotov: DOGDRIVER_PYTHON (a later Molotov in a virtualenv), else Debian's. */
export const PYTHON = process.env.DOGDRIVER_PYTHON ?? "/usr/bin/python3";

export interface Service {
  url: string;
  process: ResultPromise;
}

/**
 * Starts dist/runner/sample-service-main.js in its own process (optionally pinned to one CPU, and optionally at
 * nice -15 so that other processes on a shared machine delay its answers less; not SCHED_FIFO: a Node process
 * under it was seen spinning at 94% CPU).
 */
export const startService = async (delayMs: number, cpu?: number, favoured = false): Promise<Service> => {
  const command = [
    process.execPath,
    join(ROOT, "dist/runner/sample-service-main.js"),
    "--delay",
    String(delayMs),
  ];
  const pinned = cpu === undefined ? command : ["taskset", "-c", String(cpu), ...command];
  const full = favoured ? ["nice", "-n", "-15", ...pinned] : pinned;
  const child = execa(full[0] as string, full.slice(1));
  const url = await new Promise<string>((resolveUrl, reject) => {
    child.stdout?.once("data", (chunk: Buffer) => resolveUrl(chunk.toString().trim()));
    child.catch(reject);
  });
  return { url, process: child };
};

export const stopService = async (service: Service) => {
  service.process.kill("SIGTERM");
  await service.process.catch(() => undefined);
};

/** A workspace with a one-service config and a molotov test `dogdriver` GETting / with `workers` for `duration`. */
export const benchWorkspace = async (endpoint: string, test: Record<string, unknown>) => {
  const dir = await mkdtemp(join(tmpdir(), "dogdriver-bench-"));
  await mkdir(join(dir, "test"));
  await writeFile(
    join(dir, "test", "molotov.json"),
    JSON.stringify({ molotov: { tests: { dogdriver: test } } }),
  );
  await writeFile(
    join(dir, "test", "loadtest.py"),
    `import os\nimport molotov\nURL = os.environ.get("DOGDRIVER_ENDPOINT", ${JSON.stringify(endpoint)}) + "/"\n\n@molotov.scenario(weight=100)\nasync def get_it(session):\n    async with session.get(URL) as resp:\n        assert resp.status == 200\n`,
  );
  await writeFile(
    join(dir, "dogdriver.config.json"),
    JSON.stringify({
      store: "file://./store",
      services: [{ name: "bench", env: "local", endpoint, version: "1.0.0", test: { repo: "./test" } }],
    }),
  );
  return dir;
};

export { median } from "../src/verdicts/median.js";

export const fmt = (value: number, digits = 2) => value.toFixed(digits);
