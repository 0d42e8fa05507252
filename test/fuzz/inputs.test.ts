import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exitCodeForError } from "../../src/cli/exit-codes.js";
import { loadConfig } from "../../src/config/load.js";
import { DogdriverError } from "../../src/errors.js";
import { readDeployedVersion } from "../../src/runner/deployed-version.js";
import { readTestPlan } from "../../src/runner/molotov-config.js";
import { importCommand } from "../../src/store/import-command.js";
import { isSafeText } from "../../src/text/safe-text.js";
import { testDeps } from "../support/deps.js";

// Property-based: whatever a config file, a molotov.json, a version endpoint or an import file holds, the
// outcome is success or an exit-3 DogdriverError naming the input, its message in safe text (never a stack
// trace, never a raw control character), and a failed import writes nothing. FUZZ_RUNS raises the number of
// cases per property (CI keeps the default, a few seconds in all).

const RUNS = Number(process.env.FUZZ_RUNS ?? 60);

/** Text that is mostly JSON-like: real JSON, near-JSON (cut, doubled), deep nesting, anything at all. */
const jsonish = (valid: fc.Arbitrary<unknown>) =>
  fc.oneof(
    valid.map((v) => JSON.stringify(v) ?? ""),
    valid.map((v) => JSON.stringify(v) ?? "").chain((t) => fc.nat(t.length).map((n) => t.slice(0, n))),
    fc.integer({ min: 1, max: 3000 }).map((n) => `${"[".repeat(n)}${"]".repeat(n)}`),
    fc.integer({ min: 1, max: 3000 }).map((n) => `${'{"a":'.repeat(n)}1${"}".repeat(n)}`),
    fc.jsonValue().map((v) => JSON.stringify(v)),
    fc.string({ unit: "binary", maxLength: 200 }),
  );

const services = fc.array(
  fc.record(
    {
      name: fc.oneof(fc.constantFrom("kinto", "a", "Bad Name", ""), fc.string()),
      env: fc.oneof(fc.constantFrom("stage", "prod"), fc.anything()),
      endpoint: fc.oneof(fc.constant("http://127.0.0.1:9"), fc.webUrl(), fc.anything()),
      test: fc.oneof(fc.record({ repo: fc.oneof(fc.constant("./t"), fc.string()) }), fc.anything()),
      version: fc.oneof(fc.string(), fc.record({ url: fc.string(), field: fc.string() }), fc.anything()),
      queries: fc.dictionary(fc.string(), fc.anything()),
    },
    { requiredKeys: [] },
  ),
  { maxLength: 3 },
);
const configValue = fc.oneof(
  fc.record(
    {
      store: fc.oneof(fc.constantFrom("file://./s", "s3://bucket/p", "ftp://x"), fc.anything()),
      settle: fc.oneof(fc.constantFrom("10m", "99999999999999999999d", "1h30m", "-1s"), fc.anything()),
      source: fc.anything(),
      spool: fc.anything(),
      services,
      schedule: fc.anything(),
      alerts: fc.anything(),
    },
    { requiredKeys: [] },
  ),
  fc.dictionary(fc.string(), fc.anything()),
  fc.anything(),
);

const molotovValue = fc.oneof(
  fc.record({
    molotov: fc.record(
      {
        env: fc.dictionary(fc.string(), fc.anything()),
        requirements: fc.oneof(fc.constant("../../etc/passwd"), fc.string()),
        tests: fc.dictionary(
          fc.constantFrom("dogdriver", "other", "\u001b[31m"),
          fc.record(
            {
              duration: fc.oneof(fc.integer(), fc.double(), fc.anything()),
              workers: fc.anything(),
              scenario: fc.oneof(fc.constantFrom("loadtest.py", "/etc/x.py", "../x.py"), fc.string()),
              max_runs: fc.anything(),
              use_extension: fc.anything(),
            },
            { requiredKeys: [] },
          ),
        ),
      },
      { requiredKeys: [] },
    ),
  }),
  fc.anything(),
);

const runRecord = fc.record(
  {
    schema: fc.oneof(fc.constant("dogdriver.run.v1"), fc.string()),
    id: fc.oneof(fc.stringMatching(/^[0-9A-Z]{26}$/), fc.string()),
    service: fc.oneof(fc.constantFrom("svc", "other"), fc.string()),
    env: fc.oneof(fc.constant("stage"), fc.string()),
    version: fc.string({ unit: "binary", maxLength: 250 }),
    source: fc.oneof(fc.constant("ci"), fc.string()),
    test: fc.string({ unit: "binary" }),
    started_at: fc.oneof(
      fc.constant("2026-11-24T10:00:00.000Z"),
      fc.date().map((d) => (Number.isNaN(d.getTime()) ? "x" : d.toISOString())),
      fc.string(),
    ),
    ended_at: fc.oneof(fc.constant("2026-11-24T10:01:00.000Z"), fc.string()),
    state: fc.oneof(fc.constantFrom("pending", "aggregated", "failed"), fc.string()),
    reason: fc.string({ unit: "binary" }),
    client: fc.oneof(
      fc.record({
        requests: fc.oneof(fc.nat(), fc.double()),
        errors: fc.nat(),
        rps: fc.oneof(fc.double({ min: 0, max: 1e6, noNaN: true }), fc.anything()),
        latency_ms: fc.record({
          p50: fc.nat(),
          p75: fc.nat(),
          p90: fc.nat(),
          p95: fc.nat(),
          p99: fc.nat(),
          max: fc.nat(),
          mean: fc.oneof(fc.nat(), fc.constant(null), fc.anything()),
        }),
      }),
      fc.anything(),
    ),
  },
  {
    requiredKeys: [
      "schema",
      "id",
      "service",
      "env",
      "version",
      "source",
      "test",
      "started_at",
      "ended_at",
      "state",
      "client",
    ],
  },
);

/** The outcome contract: ok, or an exit-3 DogdriverError naming `name`, in safe text. */
const expectClean = async (attempt: Promise<unknown>, name: string): Promise<boolean> => {
  try {
    await attempt;
    return true;
  } catch (error) {
    if (!(error instanceof DogdriverError))
      throw new Error(`not a DogdriverError: ${(error as Error)?.stack ?? error}`);
    expect(exitCodeForError(error.code), error.message).toBe(3);
    expect(error.message).toContain(name);
    for (const line of [error.message, ...error.details]) {
      expect(isSafeText(line.replaceAll("\n", " ")), line).toBe(true);
      expect(line).not.toMatch(/\n\s+at /);
    }
    return false;
  }
};

describe("fuzzed inputs end in exit 0 or 3, naming the input", () => {
  let dir: string;
  let server: Server;
  let versionBody = "";
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "dogdriver-fuzz-"));
    server = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(versionBody);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  });
  afterAll(async () => {
    server.closeAllConnections();
    server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("the config loader (JSON and YAML)", async () => {
    await fc.assert(
      fc.asyncProperty(jsonish(configValue), fc.constantFrom("json", "yaml"), async (text, ext) => {
        const file = `fuzz-config.${ext}`;
        await writeFile(join(dir, file), text);
        await expectClean(loadConfig({ file, cwd: dir, env: {}, hostname: "fuzz" }), file);
      }),
      { numRuns: RUNS },
    );
  });

  it("the molotov.json reader", async () => {
    const testDir = join(dir, "molotov");
    await mkdir(testDir, { recursive: true });
    await fc.assert(
      fc.asyncProperty(jsonish(molotovValue), async (text) => {
        await writeFile(join(testDir, "molotov.json"), text);
        await expectClean(readTestPlan(testDir, "dogdriver"), join(testDir, "molotov.json"));
      }),
      { numRuns: RUNS },
    );
  });

  it("the version parser", async () => {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/__version__`;
    const signal = new AbortController().signal;
    const clock = testDeps({ cwd: dir }).clock;
    const version = fc.record(
      { version: fc.oneof(fc.string({ unit: "binary" }), fc.anything()) },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(
        jsonish(version),
        fc.constantFrom("version", "build.version", "a..b"),
        async (body, field) => {
          versionBody = body;
          let got: string | undefined;
          const ok = await expectClean(
            readDeployedVersion({ url, field }, signal, clock).then((v) => {
              got = v;
            }),
            url,
          );
          if (ok) {
            expect(isSafeText(got ?? "")).toBe(true);
            expect((got ?? "").length).toBeGreaterThan(0);
            expect((got ?? "").length).toBeLessThanOrEqual(200);
          }
        },
      ),
      { numRuns: RUNS },
    );
  });

  it("import: a failed import writes nothing", async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof({ weight: 3, arbitrary: runRecord.map((r) => JSON.stringify(r)) }, jsonish(runRecord)),
          {
            maxLength: 4,
          },
        ),
        async (lines) => {
          n += 1;
          const file = join(dir, `import-${n}.jsonl`);
          const store = join(dir, `store-${n}`);
          await writeFile(file, lines.join("\n"));
          const deps = testDeps({ cwd: dir });
          const ok = await expectClean(importCommand({ file, store: `file://${store}` }, deps), file);
          const written = await readdir(join(store, "runs"), { recursive: true }).catch(() => []);
          if (!ok) expect(written).toEqual([]);
          await rm(store, { recursive: true, force: true });
        },
      ),
      { numRuns: RUNS },
    );
  });
});
