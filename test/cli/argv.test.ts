import { describe, expect, it } from "vitest";
import type { CommandCall } from "../../src/cli/main.js";
import { buildParser } from "../../src/cli/parser.js";
import { quickRunCall } from "../../src/cli/run-argv.js";
import { parseArgv } from "../support/parse-argv.js";

// argv -> { command, options } for every command, through main() with a capturing invoke: the yargs layer
// only turns argv into options, and this table pins what each command receives.

const parse = parseArgv;

const G = { verbose: false };
const COMMANDS = [
  "run",
  "aggregate",
  "report",
  "verify",
  "provision",
  "schedule",
  "import",
  "export",
  "check",
  "init",
  "demo",
];

const TABLE: [string, string[], CommandCall][] = [
  [
    "run by name",
    ["run", "kinto", "web/prod"],
    { command: "run", options: { ...G, services: ["kinto", "web/prod"] } },
  ],
  [
    "run --all --json",
    ["run", "--all", "--json"],
    { command: "run", options: { ...G, services: [], all: true, json: true } },
  ],
  [
    "run --all --shard --parallel",
    ["run", "--all", "--shard", "2/4", "--parallel", "3"],
    { command: "run", options: { ...G, services: [], all: true, shard: "2/4", parallel: 3 } },
  ],
  [
    "run --all --list --shard index/N",
    ["run", "--all", "--list", "--shard", "index/12"],
    { command: "run", options: { ...G, services: [], all: true, list: true, shard: "index/12" } },
  ],
  [
    "run with globals",
    ["--config", "c.yaml", "--store", "s3://b/p", "--verbose", "run", "kinto"],
    { command: "run", options: { config: "c.yaml", store: "s3://b/p", verbose: true, services: ["kinto"] } },
  ],
  ["aggregate", ["aggregate"], { command: "aggregate", options: { ...G } }],
  [
    "aggregate with options",
    ["aggregate", "--settle", "5m", "--dry-run", "--json"],
    { command: "aggregate", options: { ...G, settle: "5m", dryRun: true, json: true } },
  ],
  [
    "aggregate --requeue-rejected",
    ["aggregate", "--requeue-rejected"],
    { command: "aggregate", options: { ...G, requeueRejected: true } },
  ],
  ["report", ["report"], { command: "report", options: { ...G, services: [] } }],
  [
    "report --json --fail-on",
    ["report", "kinto", "--json", "--fail-on", "regression"],
    { command: "report", options: { ...G, services: ["kinto"], json: true, failOn: "regression" } },
  ],
  [
    "verify with its budget",
    ["verify", "kinto/stage", "--max-runs", "5", "--max-time", "20m", "--baseline", "1.0.0", "--markdown"],
    {
      command: "verify",
      options: {
        ...G,
        service: "kinto/stage",
        maxRuns: 5,
        maxTime: "20m",
        baseline: "1.0.0",
        markdown: true,
      },
    },
  ],
  [
    "report --markdown --html",
    ["report", "--markdown", "--html", "out.html"],
    { command: "report", options: { ...G, services: [], markdown: true, html: "out.html" } },
  ],
  ["provision", ["provision"], { command: "provision", options: { ...G } }],
  [
    "provision with options",
    ["provision", "--dry-run", "--prune", "--service", "kinto"],
    { command: "provision", options: { ...G, dryRun: true, prune: true, service: "kinto" } },
  ],
  [
    "schedule",
    ["schedule", "--store", "file://x"],
    { command: "schedule", options: { ...G, store: "file://x" } },
  ],
  [
    "schedule --shard --parallel",
    ["schedule", "--shard", "index/4", "--parallel", "2"],
    { command: "schedule", options: { ...G, shard: "index/4", parallel: 2 } },
  ],
  [
    "init ENDPOINT",
    ["init", "https://kinto.stage.example.com"],
    { command: "init", options: { ...G, endpoint: "https://kinto.stage.example.com" } },
  ],
  [
    "init with options",
    ["init", "http://127.0.0.1:8080", "--name", "web", "--env", "prod", "--json", "--test"],
    {
      command: "init",
      options: { ...G, endpoint: "http://127.0.0.1:8080", name: "web", env: "prod", json: true, test: true },
    },
  ],
  ["import FILE", ["import", "runs.jsonl"], { command: "import", options: { ...G, file: "runs.jsonl" } }],
  [
    "import - --skip-invalid",
    ["import", "-", "--skip-invalid", "--store", "s3://bucket/x"],
    { command: "import", options: { ...G, store: "s3://bucket/x", file: "-", skipInvalid: true } },
  ],
  ["export", ["export"], { command: "export", options: { ...G } }],
  [
    "export --service --env",
    ["export", "--service", "kinto", "--env", "stage"],
    { command: "export", options: { ...G, service: "kinto", env: "stage" } },
  ],
  ["check", ["check", "--config", "x.json"], { command: "check", options: { ...G, config: "x.json" } }],
  ["provision --json", ["provision", "--json"], { command: "provision", options: { ...G, json: true } }],
  [
    "provision --format terraform",
    ["provision", "--format", "terraform", "--service", "kinto"],
    { command: "provision", options: { ...G, format: "terraform", service: "kinto" } },
  ],
  [
    "import --json",
    ["import", "runs.jsonl", "--json"],
    { command: "import", options: { ...G, file: "runs.jsonl", json: true } },
  ],
  ["export --json", ["export", "--json"], { command: "export", options: { ...G, json: true } }],
  ["--quiet", ["--quiet", "aggregate"], { command: "aggregate", options: { ...G, quiet: true } }],
  [
    "--no-color",
    ["report", "--no-color"],
    { command: "report", options: { ...G, services: [], color: false } },
  ],
  ["--color", ["--color", "report"], { command: "report", options: { ...G, services: [], color: true } }],
  ["check --json", ["check", "--json"], { command: "check", options: { ...G, json: true } }],
  ["demo", ["demo"], { command: "demo", options: { ...G } }],
  ["demo --quick", ["demo", "--quick"], { command: "demo", options: { ...G, quick: true } }],
];

describe("argv -> command options", () => {
  it.each(TABLE)("%s", async (_name, argv, expected) => {
    const { code, calls, stderr } = await parse(argv);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(calls).toEqual([expected]);
  });

  it("covers every command the help lists", async () => {
    const { stdout } = await parse(["--help"]);
    const listed = [...stdout.matchAll(/^ {2}dogdriver (\w+)/gm)].map((m) => m[1]);
    expect(listed.sort()).toEqual(
      [
        "aggregate",
        "check",
        "completion",
        "demo",
        "export",
        "import",
        "init",
        "provision",
        "report",
        "run",
        "schedule",
        "verify",
      ].sort(),
    );
    // `completion` is yargs' own: it prints a script and calls no command function.
    expect(new Set(TABLE.map(([, , call]) => call.command))).toEqual(
      new Set(listed.filter((c) => c !== "completion")),
    );
  });
});

/** What yargs makes of argv: the call, or the usage error. */
const yargsCall = async (argv: string[]): Promise<CommandCall | string | undefined> => {
  let call: CommandCall | undefined;
  let error: string | undefined;
  await buildParser(argv, "1.2.3", (c) => {
    call = c;
  })
    .fail((message) => {
      error = message;
    })
    .parseAsync(argv, {}, () => {});
  return error ?? call;
};

describe("run's own parse (no yargs at a run's start-up)", () => {
  const taken: string[][] = [
    ...TABLE.filter(([, , call]) => call.command === "run").map(([, argv]) => argv),
    ["run"],
    ["run", "--all", "kinto"],
    ["run", "--quiet", "--no-color", "--all"],
    ["--color", "run", "api/stage", "--store", "file://./s", "--parallel", "32"],
    ["run", "--all", "--list"],
    ["run", "007", "--json"],
  ];
  it.each(taken.map((argv) => [argv.join(" "), argv]))("takes %s exactly as yargs does", async (_, argv) => {
    const quick = quickRunCall(argv);
    expect(quick).toBeDefined();
    expect(quick).toEqual(await yargsCall(argv));
  });

  const declined: string[][] = [
    ["run", "--help"],
    ["run", "--version"],
    ["run", "--all", "true"],
    ["run", "--parallel", "2.5"],
    ["run", "--parallel", "x"],
    ["run", "--shard"],
    ["run", "--shard", "--all"],
    ["run", "--config=c.yaml"],
    ["run", "--all", "--all"],
    ["run", "--list", "--json"],
    ["--quiet", "--verbose", "run"],
    ["run", "--color", "--no-color"],
    ["run", "--servic", "x"],
    ["run", "-"],
    ["run", "--", "x"],
    ["aggregate"],
    ["kinto", "run"],
  ];
  it.each(declined.map((argv) => [argv.join(" "), argv]))("leaves %s to yargs", (_, argv) => {
    expect(quickRunCall(argv)).toBeUndefined();
  });
});

describe("the command line itself", () => {
  it("--help lists every command with exit 0 and calls nothing", async () => {
    const { code, calls, stdout } = await parse(["--help"]);
    expect(code).toBe(0);
    expect(calls).toEqual([]);
    for (const command of COMMANDS) expect(stdout).toMatch(new RegExp(`dogdriver ${command}\\b`));
    expect(stdout).toMatch(/--config/);
    expect(stdout).toMatch(/--store/);
  });

  it("--version prints the version", async () => {
    const { code, calls, stdout } = await parse(["--version"]);
    expect([code, calls, stdout.trim()]).toEqual([0, [], "1.2.3"]);
  });

  it.each([
    ["an unknown command", ["frobnicate"], /Unknown argument: frobnicate/],
    ["no command", [], /Name a command/],
    ["an unknown option", ["export", "--servic", "x"], /Unknown arguments?: servic/],
    ["import without a file", ["import"], /Missing required argument: file|Not enough non-option arguments/],
    ["an invalid choice", ["report", "--fail-on", "always"], /Invalid values?:/],
    ["conflicting options", ["report", "--json", "--markdown"], /mutually exclusive/],
    ["--format with --dry-run", ["provision", "--format", "terraform", "--dry-run"], /mutually exclusive/],
    ["--format with --json", ["provision", "--format", "terraform", "--json"], /mutually exclusive/],
    ["an unknown --format", ["provision", "--format", "hcl"], /Invalid values?:/],
    ["--quiet with --verbose", ["--quiet", "--verbose", "check"], /mutually exclusive/],
    ["--shard without a value", ["run", "--all", "--shard"], /Not enough arguments following: shard/],
    // A value-taking option given no value is refused, never read as "" (the default, or a path error).
    ["--settle without a value", ["aggregate", "--settle"], /Not enough arguments following: settle/],
    ["--store without a value", ["report", "--store"], /Not enough arguments following: store/],
    ["--html without a file", ["report", "--html"], /Not enough arguments following: html/],
    ["--config without a file", ["check", "--config"], /Not enough arguments following: config/],
    ["--service without a name", ["export", "--service"], /Not enough arguments following: service/],
    [
      "--parallel that is not a number",
      ["run", "--all", "--parallel", "abc"],
      /--parallel expects a whole number, got "abc"/,
    ],
  ])("refuses %s with exit 2 and a hint", async (_name, argv, message) => {
    const { code, calls, stderr } = await parse(argv);
    expect(code).toBe(2);
    expect(calls).toEqual([]);
    expect(stderr).toMatch(message);
    expect(stderr).toMatch(/Run "dogdriver --help" for usage/);
  });
});

describe("what scripts rely on", () => {
  it("prints a shell completion script and calls nothing", async () => {
    const { code, calls, stdout } = await parse(["completion"]);
    expect([code, calls]).toEqual([0, []]);
    expect(stdout).toContain("dogdriver --get-yargs-completions");
  });

  it("shows examples in every command's help, and the exit codes and environment variables", async () => {
    for (const command of COMMANDS) {
      const { code, stdout } = await parse([command, "--help"]);
      expect(code).toBe(0);
      expect(stdout).toMatch(new RegExp(`Examples:\\n {2}dogdriver ${command}\\b`));
      expect(stdout).toContain(
        "Exit codes: 0 ok, 1 failure, 2 usage error, 3 invalid configuration or input",
      );
      expect(stdout).toContain("DATADOG_API_KEY");
    }
  });

  it("reads DATADOG_API_KEY, DATADOG_APP_KEY and DATADOG_SITE when the DD_* names are unset; DD_* win", async () => {
    const aliases = {
      DATADOG_API_KEY: "a".repeat(32),
      DATADOG_APP_KEY: "b".repeat(40),
      DATADOG_SITE: "datadoghq.eu",
    };
    const alone = (await parse(["check"], aliases)).deps?.env;
    expect([alone?.DD_API_KEY, alone?.DD_APP_KEY, alone?.DD_SITE]).toEqual([
      "a".repeat(32),
      "b".repeat(40),
      "datadoghq.eu",
    ]);
    const both = (
      await parse(["check"], { ...aliases, DD_API_KEY: "c".repeat(32), DD_SITE: "us5.datadoghq.com" })
    ).deps?.env;
    expect([both?.DD_API_KEY, both?.DD_APP_KEY, both?.DD_SITE]).toEqual([
      "c".repeat(32),
      "b".repeat(40),
      "us5.datadoghq.com",
    ]);
  });

  it("--no-color and --color set NO_COLOR / FORCE_COLOR for the command; --quiet keeps warnings only", async () => {
    expect((await parse(["report", "--no-color"], { FORCE_COLOR: "1" })).deps?.env).toMatchObject({
      NO_COLOR: "1",
      FORCE_COLOR: undefined,
    });
    expect((await parse(["report", "--color"], { NO_COLOR: "1" })).deps?.env).toMatchObject({
      FORCE_COLOR: "1",
      NO_COLOR: undefined,
    });
    const { deps, outer } = await parse(["--quiet", "aggregate"]);
    deps?.log.info("a summary");
    deps?.log.debug("a detail");
    deps?.stderr.write("a progress line\n");
    deps?.log.warn("a warning");
    expect(outer.stderr.text()).toBe("warning: a warning\n");
  });
});
