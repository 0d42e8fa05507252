// docs/contract.md: an option's value and an argument are never empty. yargs reads `--settle ''`, `--store=` or
// `--baseline ""` as "", which commands took as not given (the configured store, the default settle), as a path
// (`--html ''` wrote over the working directory's name) or as a version no release has (exit 3 with a blank
// in the message). A script that builds a command line from an unset variable gets a usage error naming the
// option instead.

/** The usage error for the first empty value or argument in `argv`, or undefined. After "--" nothing is read. */
export const emptyValue = (argv: readonly string[]): string | undefined => {
  // The shell completion script passes the word being typed, empty at first: that is yargs' to read.
  if (argv.includes("--get-yargs-completions")) return undefined;
  for (let i = 0; i < argv.length; i += 1) {
    const token = argv[i] ?? "";
    if (token === "--") return undefined;
    const inline = /^(--[^=]+)=$/.exec(token);
    if (inline) return `${inline[1]} is given an empty value; give it one, or leave the option out`;
    if (token !== "") continue;
    const before = argv[i - 1] ?? "";
    return before.startsWith("--") && !before.includes("=")
      ? `${before} is given an empty value; give it one, or leave the option out`
      : `argument ${i + 1} is empty (after "${before}"); leave it out or give it a value`;
  }
  return undefined;
};
