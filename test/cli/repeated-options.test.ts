import { execFile } from "node:child_process";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COMMAND_SPECS, type OptionSpec, takesValue } from "../support/cli-options.js";
import { type Emulator, startDatadogEmulator } from "../support/datadog-emulator/index.js";
import { parseArgv } from "../support/parse-argv.js";

// docs/contract.md: an option given twice is a usage error (exit 2) naming it, for every command and option, with
// the same value or another, in either spelling; nothing is called. Only --fail-on-metric repeats (once per metric).
// Before, a repeated value reached the command as a list: `provision --format terraform --format terraform`
// updated live monitors, `--config a --config b` read "a,b", `run --shard 1/3 --shard 2/3` crashed.

const CLI = fileURLToPath(new URL("../../dist/cli.js", import.meta.url));
const run = promisify(execFile);

const cases = COMMAND_SPECS.flatMap((spec) =>
  spec.options
    .filter((option) => !option.repeatable)
    .map((option) => [`${spec.command} --${option.name}`, spec, option] as const),
);

/** The command line with the option's two uses, and what `needs` asks for. */
const twice = (spec: (typeof COMMAND_SPECS)[number], option: OptionSpec, first: number, second: number) => {
  const needed = spec.options.find((o) => o.name === option.needs)?.uses[0]?.tokens ?? [];
  const uses = option.uses;
  return [
    spec.command,
    ...spec.positionals,
    ...needed,
    ...(uses[first % uses.length]?.tokens ?? []),
    ...(uses[second % uses.length]?.tokens ?? []),
  ];
};

describe("an option given twice", () => {
  it.each(cases)("%s: a usage error naming it, nothing called", async (_name, spec, option) => {
    // The same use twice; for an option with a value also another value, and "--x v" then "--x=v".
    const lines = [twice(spec, option, 0, 0), twice(spec, option, 0, option.uses.length - 1)];
    if (takesValue(option)) lines.push(twice(spec, option, 0, 1), twice(spec, option, 1, 2));
    for (const argv of lines) {
      const { code, calls, stderr } = await parseArgv(argv);
      expect([code, calls], argv.join(" ")).toEqual([2, []]);
      expect(stderr, argv.join(" ")).toContain(`--${option.name} is given more than once`);
      expect(stderr).toMatch(/Run "dogdriver --help" for usage/);
    }
  });

  it("given before and after the command name too", async () => {
    const { code, calls, stderr } = await parseArgv(["--store", "file://a", "report", "--store", "file://b"]);
    expect([code, calls]).toEqual([2, []]);
    expect(stderr).toContain("--store is given more than once");
  });

  it("names both spellings of a flag and of a camel-cased option", async () => {
    expect((await parseArgv(["report", "--no-color", "--color"])).stderr).toContain(
      "--color is given more than once (as --no-color and --color)",
    );
    expect((await parseArgv(["aggregate", "--dry-run", "--dryRun"])).stderr).toContain(
      "--dry-run is given more than once (as --dry-run and --dryRun)",
    );
  });

  it("--fail-on-metric repeats: one metric per use, in order", async () => {
    const { code, calls } = await parseArgv([
      "report",
      "--fail-on",
      "regression",
      "--fail-on-metric",
      "client.latency_ms.p95",
      "--fail-on-metric=server.cpu_pct",
    ]);
    expect(code).toBe(0);
    expect(calls[0]?.options.failOnMetrics).toEqual(["client.latency_ms.p95", "server.cpu_pct"]);
  });

  it("after -- a token is an argument, not a second use of an option", async () => {
    const { code, stderr } = await parseArgv(["report", "--json", "--", "--json"]);
    expect([code, stderr]).toEqual([0, ""]);
  });
});

describe("the option list the tests build command lines from", () => {
  it.each(COMMAND_SPECS.map((spec) => [spec.command, spec]))("is %s's --help", async (command, spec) => {
    const { stdout } = await parseArgv([command, "--help"]);
    const listed = new Set([...stdout.matchAll(/^ {2}--([a-z-]+)/gm)].map((m) => m[1]));
    listed.delete("help");
    listed.delete("version");
    expect([...listed].sort()).toEqual(spec.options.map((o) => o.name).sort());
  });
});

describe("the issue's command lines, on the built CLI", () => {
  let dd: Emulator;
  let dir: string;
  beforeAll(async () => {
    [dd, dir] = await Promise.all([startDatadogEmulator(), mkdtemp(join(tmpdir(), "dogdriver-repeated-"))]);
    const service = (name: string) => ({
      name,
      env: "stage",
      endpoint: `https://${name}.example.com`,
      test: { repo: "https://github.com/example/loadtests" },
      queries: { latency_ms: "avg:a{*}" },
    });
    const config = { store: "file://./store", services: [service("kinto"), service("autopush")] };
    await writeFile(join(dir, "dogdriver.config.json"), JSON.stringify(config));
  });
  afterAll(async () => {
    await dd?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const cli = (args: string[]) =>
    run(process.execPath, [CLI, ...args], {
      cwd: dir,
      env: {
        PATH: process.env.PATH ?? "",
        DD_API_KEY: dd.apiKey,
        DD_APP_KEY: dd.appKey,
        DOGDRIVER_DD_URL: dd.url,
      },
    }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (e: { code: number; stdout: string; stderr: string }) => e,
    );

  it.each([
    [["provision", "--format", "terraform", "--format", "terraform"], "--format"],
    [["run", "--all", "--list", "--shard", "1/3", "--shard", "2/3"], "--shard"],
    [["report", "--html", "a.html", "--html", "b.html"], "--html"],
    [["--config", "dogdriver.config.json", "--config", "b.json", "check"], "--config"],
    [["run", "--all", "--parallel", "2", "--parallel", "3"], "--parallel"],
  ])("%j: exit 2 naming %s; nothing sent to Datadog, nothing written", async (args, option) => {
    const { code, stdout, stderr } = await cli(args);
    expect([code, stdout]).toEqual([2, ""]);
    expect(stderr).toBe(
      `dogdriver: ${option} is given more than once; give it once (only --fail-on-metric repeats, once per value)\nRun "dogdriver --help" for usage.\n`,
    );
    expect(dd.requests()).toEqual([]);
    expect((await readdir(dir)).sort()).toEqual(["dogdriver.config.json"]);
  });
});
