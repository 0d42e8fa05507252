// Every command's options, as the repeated-option table (test/cli/repeated-options.test.ts) and its fuzz property
// (test/fuzz/command-lines.test.ts) build command lines from them: the tokens a user writes and what the command
// receives for each. test/cli/repeated-options.test.ts checks this list against each command's --help.

/** One way to write an option: its tokens and the value the command receives. */
export interface OptionUse {
  tokens: string[];
  value: unknown;
}

export interface OptionSpec {
  /** As declared ("fail-on"). */
  name: string;
  /** The key the command's options carry it under. */
  key: string;
  /** Valid uses (a flag's spellings, or the option with each of a few values). */
  uses: OptionUse[];
  /** Given once per value; the command receives the values in order under `key`. */
  repeatable?: boolean;
  /** Another option it needs (yargs' implies). */
  needs?: string;
}

export interface CommandSpec {
  command: string;
  /** Positional arguments, in order, and what the command receives for them. */
  positionals: string[];
  base: Record<string, unknown>;
  options: OptionSpec[];
  /** Options that may not be given together (yargs' conflicts). */
  conflicts: [string, string][];
}

const flag = (name: string, key: string): OptionSpec => ({
  name,
  key,
  uses: [{ tokens: [`--${name}`], value: true }],
});

const valued = (
  name: string,
  key: string,
  values: string[],
  parse = (v: string): unknown => v,
): OptionSpec => ({
  name,
  key,
  uses: values.flatMap((v) => [
    { tokens: [`--${name}`, v], value: parse(v) },
    { tokens: [`--${name}=${v}`], value: parse(v) },
  ]),
});

const GLOBALS: OptionSpec[] = [
  valued("config", "config", ["a.json", "b.yaml"]),
  valued("store", "store", ["file://s", "s3://bucket/p"]),
  flag("verbose", "verbose"),
  flag("quiet", "quiet"),
  {
    name: "color",
    key: "color",
    uses: [
      { tokens: ["--color"], value: true },
      { tokens: ["--no-color"], value: false },
    ],
  },
];
const GLOBAL_CONFLICTS: [string, string][] = [["quiet", "verbose"]];
const fleet = [
  valued("shard", "shard", ["1/3", "2/3", "index/4"]),
  valued("parallel", "parallel", ["2", "3"], Number),
];
const json = flag("json", "json");

const command = (
  name: string,
  options: OptionSpec[],
  more: Partial<Pick<CommandSpec, "positionals" | "base" | "conflicts">> = {},
): CommandSpec => ({
  command: name,
  positionals: more.positionals ?? [],
  base: { verbose: false, ...more.base },
  options: [...GLOBALS, ...options],
  conflicts: [...GLOBAL_CONFLICTS, ...(more.conflicts ?? [])],
});

export const COMMAND_SPECS: CommandSpec[] = [
  command("run", [flag("all", "all"), json, flag("list", "list"), ...fleet], {
    positionals: ["kinto", "web/prod"],
    base: { services: ["kinto", "web/prod"] },
    conflicts: [["list", "json"]],
  }),
  command(
    "aggregate",
    [
      valued("settle", "settle", ["5m", "1h"]),
      flag("dry-run", "dryRun"),
      json,
      flag("requeue-rejected", "requeueRejected"),
    ],
    { conflicts: [["requeue-rejected", "dry-run"]] },
  ),
  command(
    "report",
    [
      json,
      flag("markdown", "markdown"),
      flag("history", "history"),
      valued("html", "html", ["a.html", "b.html"]),
      valued("fail-on", "failOn", ["regression"]),
      {
        ...valued("fail-on-metric", "failOnMetrics", ["client.latency_ms.p95", "server.cpu_pct"]),
        repeatable: true,
        needs: "fail-on",
      },
    ],
    { positionals: ["kinto"], base: { services: ["kinto"] }, conflicts: [["json", "markdown"]] },
  ),
  command(
    "verify",
    [
      valued("baseline", "baseline", ["1.0.0", "abc123"]),
      valued("max-runs", "maxRuns", ["3", "10"], Number),
      valued("max-time", "maxTime", ["20m", "1h"]),
      valued("endpoint", "endpoint", ["http://kinto-canary:8080", "https://kinto.canary.example.com"]),
      json,
      flag("markdown", "markdown"),
    ],
    { positionals: ["kinto/stage"], base: { service: "kinto/stage" }, conflicts: [["json", "markdown"]] },
  ),
  command(
    "provision",
    [
      flag("dry-run", "dryRun"),
      flag("prune", "prune"),
      valued("service", "service", ["kinto", "autopush"]),
      json,
      valued("format", "format", ["terraform"]),
    ],
    {
      conflicts: [
        ["format", "dry-run"],
        ["format", "prune"],
        ["format", "json"],
      ],
    },
  ),
  command("schedule", fleet),
  command("import", [flag("skip-invalid", "skipInvalid"), json], {
    positionals: ["runs.jsonl"],
    base: { file: "runs.jsonl" },
  }),
  command("export", [
    valued("service", "service", ["kinto", "autopush"]),
    valued("env", "env", ["stage", "prod"]),
    json,
  ]),
  command("check", [json]),
  command(
    "init",
    [
      valued("name", "name", ["web", "api"]),
      valued("env", "env", ["stage", "prod"]),
      json,
      flag("test", "test"),
    ],
    { positionals: ["https://kinto.example.com"], base: { endpoint: "https://kinto.example.com" } },
  ),
  command("demo", [flag("quick", "quick")]),
];

/** True when the option takes a value (as opposed to a flag). */
export const takesValue = (option: OptionSpec): boolean => option.uses.some((u) => u.tokens.length === 2);
