import { execFile, spawn } from "node:child_process";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, expect, it } from "vitest";
import { EMULATOR_API_KEY } from "../support/datadog-emulator/index.js";

// The emulator on its own, as docs/datadog.md says to run it: compiled with tsc, started with node --port.
// The build goes under the repository's .tmp/ so the compiled code still finds node_modules.

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

it("compiles, starts on the given port, prints how to point dogdriver at it, and answers", async () => {
  await mkdir(join(process.cwd(), ".tmp"), { recursive: true }); // absent in a fresh clone
  const out = await mkdtemp(join(process.cwd(), ".tmp", "emulator-build-"));
  dirs.push(out);
  await promisify(execFile)(process.execPath, [
    "node_modules/typescript/bin/tsc",
    "-p",
    "test/support/datadog-emulator/tsconfig.json",
    "--outDir",
    out,
  ]);
  const child = spawn(process.execPath, [join(out, "main.js"), "--port", "0"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  try {
    const banner = await new Promise<string>((resolve, reject) => {
      let text = "";
      child.stdout.on("data", (chunk: Buffer) => {
        text += chunk.toString();
        if (text.includes("DD_APP_KEY=")) resolve(text);
      });
      child.once("exit", (code) => reject(new Error(`emulator exited with ${code}: ${text}`)));
    });
    const url = /DOGDRIVER_DD_URL=(http:\/\/127\.0\.0\.1:\d+)/.exec(banner)?.[1];
    expect(url).toBeDefined();
    expect(banner).toContain(`DD_API_KEY=${EMULATOR_API_KEY}`);
    const res = await fetch(`${url}/api/v1/validate`, { headers: { "DD-API-KEY": EMULATOR_API_KEY } });
    expect([res.status, await res.json()]).toEqual([200, { valid: true }]);
  } finally {
    child.kill("SIGTERM");
  }
});
