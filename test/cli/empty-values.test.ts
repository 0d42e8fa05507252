import { describe, expect, it } from "vitest";
import { COMMAND_SPECS, takesValue } from "../support/cli-options.js";
import { parseArgv } from "../support/parse-argv.js";

// docs/contract.md: an option's value is never empty. Before, `--settle ''` and `--store ''` were read as not
// given (the defaults), `--html ''` as the working directory and `verify --baseline ''` as a version (exit 3).

const cases = COMMAND_SPECS.flatMap((spec) =>
  spec.options
    .filter(takesValue)
    .map((option) => [`${spec.command} --${option.name}`, spec, option] as const),
);

describe("an empty value", () => {
  it.each(cases)(
    "%s '' and --x= are a usage error naming it, nothing called",
    async (_name, spec, option) => {
      const needed = spec.options.find((o) => o.name === option.needs)?.uses[0]?.tokens ?? [];
      const head = [spec.command, ...spec.positionals, ...needed];
      for (const argv of [
        [...head, `--${option.name}`, ""],
        [...head, `--${option.name}=`],
      ]) {
        const { code, calls, stderr } = await parseArgv(argv);
        expect([code, calls], argv.join(" ")).toEqual([2, []]);
        expect(stderr, argv.join(" ")).toContain(`--${option.name} is given an empty value`);
      }
    },
  );

  it("as an argument is a usage error too", async () => {
    const { code, calls, stderr } = await parseArgv(["verify", ""]);
    expect([code, calls]).toEqual([2, []]);
    expect(stderr).toContain('argument 2 is empty (after "verify")');
  });

  it("after -- is an argument, and the completion script's empty word is yargs' to read", async () => {
    expect((await parseArgv(["report", "--json", "--", ""])).stderr).not.toContain("empty");
    const completion = await parseArgv(["--get-yargs-completions", "dogdriver", ""]);
    expect(completion.code).toBe(0);
    expect(completion.stdout).toContain("verify");
  });
});
