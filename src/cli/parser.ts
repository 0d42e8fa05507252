import yargs, { type Argv } from "yargs";
import type { GlobalOptions } from "../state/global-options.js";
import type { CommandCall } from "./main.js";
import { repeatedOption } from "./repeated-options.js";

// The yargs parser of every command: help, examples, validation. `run` with plain options skips it (run-argv.ts:
// loading yargs and rendering the help it caches costs ~0.3 s of a run's start-up).

const globals = (argv: Record<string, unknown>): GlobalOptions => ({
  ...(argv.config === undefined ? {} : { config: String(argv.config) }),
  ...(argv.store === undefined ? {} : { store: String(argv.store) }),
  verbose: Boolean(argv.verbose),
  ...(argv.quiet ? { quiet: true } : {}),
  ...(argv.color === undefined ? {} : { color: Boolean(argv.color) }),
});

const pick = (argv: Record<string, unknown>, keys: string[]): Record<string, unknown> =>
  Object.fromEntries(keys.filter((k) => argv[k] !== undefined).map((k) => [k, argv[k]]));

const serviceList = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : []);

export const EPILOGUE = `Exit codes: 0 ok, 1 failure, 2 usage error, 3 invalid configuration or input, 4 regression found (report --fail-on, verify), 5 a load test failed, 6 undecided at verify's budget, 130 a second Ctrl-C.

Environment: DD_API_KEY, DD_APP_KEY, DD_SITE (or DATADOG_API_KEY, DATADOG_APP_KEY, DATADOG_SITE; the DD_* names win), DOGDRIVER_DD_URL, DOGDRIVER_STORE, DOGDRIVER_SOURCE, DOGDRIVER_SETTLE; AWS_* and DOGDRIVER_S3_FORCE_PATH_STYLE for s3:// stores; NO_COLOR, FORCE_COLOR.`;

// `run` and `schedule` share how a runner takes its part of a fleet (docs/fleet.md).
const fleetOptions = {
  shard: {
    type: "string",
    requiresArg: true,
    describe: "With --all: take share I of N (I/N, e.g. 2/4; index/N reads JOB_COMPLETION_INDEX)",
  },
  parallel: {
    type: "string",
    requiresArg: true,
    describe: "Test up to K services at once (default 1)",
    // yargs' number type turns "abc" into NaN; the range itself is checked by run (run-command.ts).
    coerce: (value: string) => {
      if (!/^\d+$/.test(value)) throw new Error(`--parallel expects a whole number, got "${value}"`);
      return Number(value);
    },
  },
} as const;

/** One rule for every command: an option is given once (src/cli/repeated-options.ts). */
const givenOnce = (argv: string[]) => () => {
  const repeated = repeatedOption(argv);
  if (repeated !== undefined) throw new Error(repeated);
  return true;
};

/** Builds the parser; `onCall` receives each parsed command call. */
export const buildParser = (argv: string[], version: string, onCall: (call: CommandCall) => void): Argv => {
  const call = (command: string, options: Record<string, unknown>) => onCall({ command, options });
  return yargs(argv)
    .scriptName("dogdriver")
    .usage("dogdriver <command> [options]\n\nIs it getting slower or faster with this new release?")
    .option("config", {
      type: "string",
      requiresArg: true,
      describe: "Configuration file (default: dogdriver.config.{json,yaml,yml})",
    })
    .option("store", {
      type: "string",
      requiresArg: true,
      describe: "Run store URL (file://DIR or s3://bucket/prefix); overrides the config",
    })
    .option("verbose", { type: "boolean", describe: "Show debug messages on stderr" })
    .option("quiet", {
      type: "boolean",
      describe: "Only warnings and errors on stderr (no progress, no summaries)",
      conflicts: "verbose",
    })
    .option("color", {
      type: "boolean",
      describe: "Colour the output (--no-color: never; default: when a terminal, NO_COLOR/FORCE_COLOR)",
    })
    .command(
      "run [services..]",
      "Load-test the named (or --all) configured services and store a run record each",
      (y) =>
        y
          .positional("services", {
            type: "string",
            array: true,
            describe: "Service names (name or name/env)",
          })
          .option("all", { type: "boolean", describe: "Every configured service" })
          .option("json", { type: "boolean", describe: "Print the finished run records on stdout" })
          .option("list", {
            type: "boolean",
            describe:
              "Print the services the run would test (name env endpoint team), one per line; test nothing",
          })
          .options(fleetOptions)
          .conflicts("list", "json")
          .example("dogdriver run kinto", "load-test kinto in every configured env")
          .example("dogdriver run --all --json > runs.jsonl", "every service; the records as JSON Lines")
          .example(
            "dogdriver run --all --shard 2/4 --parallel 2",
            "this runner's quarter of the fleet, two at a time",
          )
          .epilogue(EPILOGUE),
      (a) =>
        call("run", {
          ...globals(a),
          services: serviceList(a.services),
          ...pick(a, ["all", "json", "list", "shard", "parallel"]),
        }),
    )
    .command(
      "aggregate",
      "Join every settled pending run with Datadog's server metrics and push metrics and events",
      (y) =>
        y
          .option("settle", {
            type: "string",
            requiresArg: true,
            describe: "How old a run must be before it is aggregated (default 10m)",
          })
          .option("dry-run", {
            type: "boolean",
            describe: "Print the queries and payloads; send and store nothing",
          })
          .option("json", { type: "boolean", describe: "Print what was done as JSON on stdout" })
          .option("requeue-rejected", {
            type: "boolean",
            describe: "First put what Datadog refused (_dogdriver/rejected/) back into the outbox",
          })
          .conflicts("requeue-rejected", "dry-run")
          .example("dogdriver aggregate", "complete the settled runs and push them to Datadog")
          .example("dogdriver aggregate --dry-run", "the queries and payloads it would send")
          .epilogue(EPILOGUE),
      (a) =>
        call("aggregate", { ...globals(a), ...pick(a, ["settle", "dryRun", "json", "requeueRejected"]) }),
    )
    .command(
      "report [services..]",
      "Print release verdicts from the store (no Datadog needed)",
      (y) =>
        y
          .positional("services", { type: "string", array: true })
          .option("json", { type: "boolean", describe: "The contract's JSON on stdout" })
          .option("markdown", { type: "boolean", describe: "Markdown, for CI summaries and PR comments" })
          .option("history", {
            type: "boolean",
            describe: "Each release's verdict against the release before it, not only the newest pair",
          })
          .option("html", {
            type: "string",
            requiresArg: true,
            describe: "Also write an HTML page with the per-run trend charts to FILE",
          })
          .option("fail-on", {
            choices: ["regression"] as const,
            describe: "Exit 4 when any verdict is a regression",
          })
          .option("fail-on-metric", {
            // One value per use (repeat the option): an array option would swallow the SERVICE names after it.
            type: "string",
            requiresArg: true,
            describe:
              "With --fail-on: only these metrics' regressions fail (e.g. client.latency_ms.p95; default: every metric)",
          })
          .implies("fail-on-metric", "fail-on")
          .conflicts("json", "markdown")
          .example("dogdriver report kinto", "the verdicts of kinto's releases")
          .example("dogdriver report --markdown --fail-on regression", "a CI summary; exit 4 on a regression")
          .epilogue(EPILOGUE),
      (a) =>
        call("report", {
          ...globals(a),
          services: serviceList(a.services),
          ...pick(a, ["json", "markdown", "history", "html", "failOn"]),
          ...(a.failOnMetric === undefined ? {} : { failOnMetrics: [a.failOnMetric].flat().map(String) }),
        }),
    )
    .command(
      "verify <service>",
      "Load-test the deployed release run after run until it can tell regression, improvement or no change",
      (y) =>
        y
          .positional("service", { type: "string", describe: "NAME or NAME/ENV" })
          .option("baseline", {
            type: "string",
            requiresArg: true,
            describe: "Compare with this stored release (default: the release before the deployed one)",
          })
          .option("max-runs", {
            type: "string",
            requiresArg: true,
            describe: "Load tests it may make (default 10)",
            coerce: (value: string) => {
              if (!/^\d+$/.test(value))
                throw new Error(`--max-runs expects a whole number from 1 to 100, got "${value}"`);
              return Number(value);
            },
          })
          .option("max-time", {
            type: "string",
            requiresArg: true,
            describe: "Start no load test after this long (e.g. 20m)",
          })
          .option("endpoint", {
            type: "string",
            requiresArg: true,
            describe:
              "Load-test this URL instead of the configured endpoint (a canary's), its version read there too",
          })
          .option("json", { type: "boolean", describe: "One JSON object at the end on stdout" })
          .option("markdown", { type: "boolean", describe: "Markdown on stdout, for a CI job summary" })
          .conflicts("json", "markdown")
          .example("dogdriver verify checkout/stage", "stop at the first run count that answers (at most 10)")
          .example(
            "dogdriver verify checkout/stage --endpoint http://checkout-canary.stage.svc:8080",
            "verify a canary behind its own Service, not the stable endpoint",
          )
          .example(
            'dogdriver verify checkout/stage --markdown >> "$GITHUB_STEP_SUMMARY"',
            "a deploy job's gate: exit 4 on a regression, 6 when undecided",
          )
          .epilogue(EPILOGUE),
      (a) =>
        call("verify", {
          ...globals(a),
          service: String(a.service),
          ...pick(a, ["baseline", "maxRuns", "maxTime", "endpoint", "json", "markdown"]),
        }),
    )
    .command(
      "provision",
      "Create or update the Datadog dashboard and monitors",
      (y) =>
        y
          .option("dry-run", { type: "boolean", describe: "Print the changes it would make; change nothing" })
          .option("prune", {
            type: "boolean",
            describe: "Delete dogdriver monitors the config no longer asks for",
          })
          .option("service", {
            type: "string",
            requiresArg: true,
            describe: "Provision a dashboard for this one service",
          })
          .option("json", {
            type: "boolean",
            describe: "Print the plan (and the ids created) as JSON on stdout",
          })
          .option("format", {
            choices: ["terraform"] as const,
            describe: "Print Terraform JSON resources instead; needs no keys, changes nothing",
          })
          .conflicts("format", ["dry-run", "prune", "json"])
          .example("dogdriver provision --dry-run", "the differences and the exact bodies; change nothing")
          .example(
            "dogdriver provision --format terraform > dogdriver.tf.json",
            "the same resources for Terraform",
          )
          .epilogue(EPILOGUE),
      (a) =>
        call("provision", { ...globals(a), ...pick(a, ["dryRun", "prune", "service", "json", "format"]) }),
    )
    .command(
      "schedule",
      "Run `run --all` and `aggregate` on the configured cron expressions until stopped",
      (y) =>
        y
          .options(fleetOptions)
          .example("dogdriver schedule", "the worker: runs until Ctrl-C or SIGTERM")
          .epilogue(EPILOGUE),
      (a) => call("schedule", { ...globals(a), ...pick(a, ["shard", "parallel"]) }),
    )
    .command(
      "import <file>",
      "Import run records from a JSON Lines file (- for standard input)",
      (y) =>
        y
          .positional("file", { type: "string", demandOption: true })
          .option("skip-invalid", {
            type: "boolean",
            describe: "Import the valid lines even when some are invalid",
          })
          .option("json", { type: "boolean", describe: "Print the summary as JSON on stdout" })
          .example("dogdriver import runs.jsonl --store s3://perf-runs/dogdriver", "backfill a store")
          .example("dogdriver export --store file://old | dogdriver import -", "copy between stores")
          .epilogue(EPILOGUE),
      // yargs re-parses positionals as "--file -", which turns a lone "-" (standard input) into "".
      (a) =>
        call("import", {
          ...globals(a),
          file: a.file === "" && argv.includes("-") ? "-" : String(a.file),
          ...pick(a, ["skipInvalid", "json"]),
        }),
    )
    .command(
      "export",
      "Write every stored run record as JSON Lines on stdout",
      (y) =>
        y
          .option("service", { type: "string", requiresArg: true, describe: "Only this service" })
          .option("env", { type: "string", requiresArg: true, describe: "Only this environment" })
          .option("json", {
            type: "boolean",
            describe: "The summary as JSON on stderr (stdout carries the records)",
          })
          .example("dogdriver export --service kinto > kinto.jsonl", "one service's runs as JSON Lines")
          .epilogue(EPILOGUE),
      (a) => call("export", { ...globals(a), ...pick(a, ["service", "env", "json"]) }),
    )
    .command(
      "check",
      "Validate the config, store, Molotov, Datadog keys and each service's endpoint, version and test",
      (y) =>
        y
          .option("json", { type: "boolean", describe: "Print the findings as JSON on stdout" })
          .example("dogdriver check", "what is wrong, one line per part")
          .example("dogdriver check --json", "the same findings as JSON")
          .epilogue(EPILOGUE),
      (a) => call("check", { ...globals(a), ...pick(a, ["json"]) }),
    )
    .command(
      "init <endpoint>",
      "Write a commented starter configuration for a service at ENDPOINT (and, with --test, a starter load test)",
      (y) =>
        y
          .positional("endpoint", { type: "string", demandOption: true, describe: "The service's base URL" })
          .option("name", {
            type: "string",
            requiresArg: true,
            describe: "Service name (default: from the endpoint's host)",
          })
          .option("env", { type: "string", requiresArg: true, describe: 'Environment (default "stage")' })
          .option("json", { type: "boolean", describe: "Write dogdriver.config.json instead of YAML" })
          .option("test", {
            type: "boolean",
            describe: "Also write loadtest/molotov.json and loadtest/loadtest.py",
          })
          .example(
            "dogdriver init https://kinto.stage.example.com --test",
            "a config and a starter load test",
          )
          .epilogue(EPILOGUE),
      (a) =>
        call("init", {
          ...globals(a),
          endpoint: String(a.endpoint),
          ...pick(a, ["name", "env", "json", "test"]),
        }),
    )
    .command(
      "demo",
      "An offline end-to-end walk-through on the embedded defaults",
      (y) =>
        y
          .option("quick", { type: "boolean", describe: "Shorter load tests" })
          .example("dogdriver demo --quick", "two local services, two releases, the verdicts; all offline")
          .epilogue(EPILOGUE),
      (a) => call("demo", { ...globals(a), ...pick(a, ["quick"]) }),
    )
    .completion(
      "completion",
      "Print a shell completion script (bash, zsh): dogdriver completion >> ~/.bashrc",
    )
    .demandCommand(1, "Name a command (dogdriver --help lists them)")
    .check(givenOnce(argv), true)
    .epilogue(EPILOGUE)
    .strict()
    .version(version)
    .help()
    .wrap(Math.min(110, process.stdout.columns || 100))
    .exitProcess(false);
};
