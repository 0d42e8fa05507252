// docs/contract.md: every option is given at most once, whatever the command. yargs would turn a repeated value into
// a list that commands read as one value ("a.json,b.json", or "not terraform": a different action) and silently
// keep the last of a repeated flag; a script that builds a command line from pieces gets a usage error naming the
// option instead. The options that are lists by nature take one value per use and are the only ones that repeat.

/** Options given once per value (`--fail-on-metric A --fail-on-metric B`). */
const REPEATABLE_OPTIONS: ReadonlySet<string> = new Set(["fail-on-metric"]);

/** The option a token names, as declared: "--dryRun=x" -> "dry-run", "--no-color" -> "color". */
const optionName = (token: string): string =>
  spelling(token)
    .slice(2)
    .replace(/^no-/, "")
    .replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** The token without its "=value". */
const spelling = (token: string): string => token.replace(/=.*$/s, "");

/** The usage error for the first option `argv` gives more than once, or undefined. After "--" come no options. */
export const repeatedOption = (argv: readonly string[]): string | undefined => {
  const first = new Map<string, string>();
  for (const token of argv) {
    if (token === "--") return undefined;
    if (!token.startsWith("--")) continue;
    const name = optionName(token);
    if (REPEATABLE_OPTIONS.has(name)) continue;
    const earlier = first.get(name);
    if (earlier === undefined) {
      first.set(name, spelling(token));
      continue;
    }
    const spelt = earlier === spelling(token) ? "" : ` (as ${earlier} and ${spelling(token)})`;
    const repeatable = [...REPEATABLE_OPTIONS].map((o) => `--${o}`).join(", ");
    return `--${name} is given more than once${spelt}; give it once (only ${repeatable} repeats, once per value)`;
  }
  return undefined;
};
