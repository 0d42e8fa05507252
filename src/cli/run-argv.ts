import type { CommandCall } from "./main.js";

// `dogdriver run` with plain options, parsed without yargs: loading yargs and the help text it renders for every
// command call cost ~0.3 s of a run's start-up, time added to every load test. Only the forms whose meaning is
// certain are taken here (test/cli/argv.test.ts checks them against the yargs parser); anything else (help, an
// unknown or repeated option, --x=y, a conflict, a value that looks like an option) goes to yargs, which
// parses it or explains the mistake.

const FLAGS = new Set(["--all", "--json", "--list", "--verbose", "--quiet", "--color", "--no-color"]);
const VALUES = new Set(["--config", "--store", "--shard", "--parallel"]);

/** The `run` call of `argv`, or undefined when yargs must parse it. */
export const quickRunCall = (argv: readonly string[]): CommandCall | undefined => {
  const seen = new Map<string, string | true>();
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i += 1) {
    const token = argv[i] ?? "";
    if (!token.startsWith("-")) {
      // yargs reads "true"/"false" after a boolean flag as its value.
      if (token === "" || token === "true" || token === "false") return undefined;
      positionals.push(token);
      continue;
    }
    if (seen.has(token)) return undefined;
    if (FLAGS.has(token)) seen.set(token, true);
    else if (VALUES.has(token)) {
      const value = argv[i + 1];
      if (value === undefined || value === "" || value.startsWith("-")) return undefined;
      if (token === "--parallel" && !/^[1-9]\d{0,5}$/.test(value)) return undefined;
      seen.set(token, value);
      i += 1;
    } else return undefined;
  }
  const [command, ...services] = positionals;
  if (command !== "run") return undefined;
  const has = (flag: string) => seen.has(flag);
  if ((has("--quiet") && has("--verbose")) || (has("--color") && has("--no-color"))) return undefined;
  if (has("--list") && has("--json")) return undefined;
  const value = (flag: string) => seen.get(flag) as string | undefined;
  const config = value("--config");
  const store = value("--store");
  const shard = value("--shard");
  const parallel = value("--parallel");
  return {
    command: "run",
    options: {
      ...(config === undefined ? {} : { config }),
      ...(store === undefined ? {} : { store }),
      verbose: has("--verbose"),
      ...(has("--quiet") ? { quiet: true } : {}),
      ...(has("--color") ? { color: true } : has("--no-color") ? { color: false } : {}),
      services,
      ...(has("--all") ? { all: true } : {}),
      ...(has("--json") ? { json: true } : {}),
      ...(has("--list") ? { list: true } : {}),
      ...(shard === undefined ? {} : { shard }),
      ...(parallel === undefined ? {} : { parallel: Number(parallel) }),
    },
  };
};
