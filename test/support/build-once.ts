import { execFileSync } from "node:child_process";
import { resolve } from "node:path";

// Vitest global setup: the tests that run the real CLI (kill tests, the binary pipe, crash-and-rerun) spawn
// dist/cli.js, so dist/ is built once, before any test, from the sources under test. A type error fails the run.
export default function buildOnce(): void {
  const repo = resolve(import.meta.dirname, "../..");
  execFileSync(process.execPath, [resolve(repo, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.json"], {
    cwd: repo,
    stdio: "inherit",
  });
}
