import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, it } from "vitest";
import { manyRuns } from "../store/fixtures.js";
import { type S3TestServer, startS3Server } from "../support/s3-server.js";

// The installed binary, end to end: `export | import -` through a real shell pipe, against the real S3 server.
// Uses the build in dist/ (`npm test` builds first).

const CLI = fileURLToPath(new URL("../../dist/cli.js", import.meta.url));
const run = promisify(execFile);

let server: S3TestServer;
let dir: string;
beforeAll(async () => {
  [server, dir] = await Promise.all([startS3Server(), mkdtemp(join(tmpdir(), "dogdriver-binary-"))]);
});
afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

const shell = (script: string) =>
  run("bash", ["-c", `set -euo pipefail; ${script}`], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? "", HOME: dir, ...server.env, CLI },
  });

it("pipes export into import between a file store and S3 and back", async () => {
  expect(existsSync(CLI), `${CLI} is missing: run "npm run build" first`).toBe(true);
  const runs = manyRuns(20);
  await writeFile(join(dir, "runs.jsonl"), runs.map((r) => `${JSON.stringify(r)}\n`).join(""));
  const s3 = `s3://${server.bucket}/binary`;
  await shell(`node "$CLI" import runs.jsonl --store file://A`);

  const there = await shell(`node "$CLI" export --store file://A | node "$CLI" import - --store ${s3}`);
  expect(there.stdout).toBe("");
  expect(there.stderr).toMatch(/exported 20 runs from file:\/\/.*\/A/);
  expect(there.stderr).toMatch(/imported 20 runs into s3:\/\/dogdriver-test\/binary\/: 20 created/);
  expect(there.stderr, there.stderr).not.toMatch(/NodeVersionSupportWarning|Warning/);

  const twice = await shell(`node "$CLI" export --store file://A | node "$CLI" import - --store ${s3}`);
  expect(twice.stderr).toMatch(/0 created, 20 unchanged, 0 updated/);

  const back = await shell(`node "$CLI" export --store ${s3} | node "$CLI" import - --store file://B`);
  expect(back.stderr).toMatch(/20 created/);
  const a = await shell(`node "$CLI" export --store file://A`);
  const b = await shell(`node "$CLI" export --store file://B`);
  expect(b.stdout).toBe(a.stdout);
  expect(
    a.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line).id)
      .sort(),
  ).toEqual(runs.map((r) => r.id).sort());
});

it("exits 3 with the bad line's number when the piped input is not run records", async () => {
  const failed = await shell(`printf '{"schema":"x"}\\n' | node "$CLI" import - --store file://C`).catch(
    (e) => e,
  );
  expect(failed.code).toBe(3);
  expect(failed.stderr).toMatch(/standard input: 1 of 1 lines are not valid run records; nothing imported/);
  expect(failed.stderr).toMatch(/line 1: schema: expected "dogdriver.run.v1" or "dogdriver.run.v2"/);
});

it("stops writing quietly when the reader closes the pipe early (`| head`), its exit code unchanged", async () => {
  await writeFile(
    join(dir, "few.jsonl"),
    manyRuns(8)
      .map((r) => `${JSON.stringify(r)}\n`)
      .join(""),
  );
  await shell(`node "$CLI" import few.jsonl --store file://D`);
  // `true` exits before dogdriver writes its first line: every write meets a closed pipe (EPIPE).
  for (const command of ["export", "report --json"]) {
    const { stdout } = await shell(
      `set +o pipefail; node "$CLI" ${command} --store file://D 2>err.txt | true; echo "\${PIPESTATUS[0]}"; cat err.txt`,
    );
    const [code, ...stderr] = stdout.split("\n");
    expect(stderr.join("\n"), command).not.toMatch(/EPIPE|Unhandled|at .*\.js:\d+/);
    expect(code, `${command}: ${stderr.join("\n")}`).toBe("0");
  }
});
