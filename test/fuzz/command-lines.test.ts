import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { COMMAND_SPECS, type CommandSpec, type OptionUse } from "../support/cli-options.js";
import { parseArgv } from "../support/parse-argv.js";

// Property-based, at the parse: a command line made of a command's valid options, each given zero to three times
// in any order and spelling, with its arguments in between, either reaches the command with exactly the options
// given once (as if written once, in any order) and every --fail-on-metric value in order, or is a usage error
// (exit 2) naming a repeated option with nothing called, so nothing is done to Datadog or the store. It never
// crashes. The same command lines go through run's own parse (src/cli/run-argv.ts) and yargs. FUZZ_RUNS raises
// the number of cases.

const RUNS = Number(process.env.FUZZ_RUNS ?? 60);

interface Given {
  name: string;
  key: string;
  repeatable: boolean;
  uses: OptionUse[];
}

/** How often an option is given: mostly 0 or 1; 2 or 3 only on lines that repeat (half of them). */
const count = (repeats: boolean) =>
  repeats
    ? fc.oneof({ weight: 3, arbitrary: fc.constantFrom(0, 1) }, fc.integer({ min: 2, max: 3 }))
    : fc.constantFrom(0, 1);

/** Each option of `spec` given 0-3 times, with conflicting ones and unmet needs left out. */
const commandLine = (spec: CommandSpec) =>
  fc
    .boolean()
    .chain((repeats) =>
      fc.tuple(
        ...spec.options.map((option) =>
          count(repeats)
            .chain((n) => fc.array(fc.constantFrom(...option.uses), { minLength: n, maxLength: n }))
            .map(
              (uses): Given => ({
                name: option.name,
                key: option.key,
                repeatable: option.repeatable ?? false,
                uses,
              }),
            ),
        ),
      ),
    )
    .map((given) => {
      const present = (name: string) => given.some((g) => g.name === name && g.uses.length > 0);
      const dropped = new Set<string>();
      for (const [a, b] of spec.conflicts) if (present(a) && present(b)) dropped.add(b);
      for (const option of spec.options)
        if (option.needs !== undefined && !present(option.needs)) dropped.add(option.name);
      return given.map((g) => (dropped.has(g.name) ? { ...g, uses: [] } : g));
    })
    .chain((given) => {
      const units = given.flatMap((g) => g.uses.map((use) => ({ g, use })));
      const slots = [...units, ...spec.positionals.map(() => undefined)];
      return fc.shuffledSubarray(slots, { minLength: slots.length }).map((order) => {
        // The arguments keep their order among themselves; options go anywhere after the command name.
        const args = [...spec.positionals];
        const tokens = order.flatMap((unit) => (unit === undefined ? [args.shift() ?? ""] : unit.use.tokens));
        return { given, argv: [spec.command, ...tokens], order: order.filter((u) => u !== undefined) };
      });
    });

/** What the command receives when no option repeats: each option's value, a repeatable one's in order. */
const expected = (spec: CommandSpec, order: { g: Given; use: OptionUse }[]) => {
  const options: Record<string, unknown> = { ...spec.base };
  for (const { g, use } of order)
    options[g.key] = g.repeatable ? [...((options[g.key] as unknown[]) ?? []), use.value] : use.value;
  return { command: spec.command, options };
};

describe("command lines with repeated options, in any order", () => {
  it("reach the command as if each was given once, or are a usage error naming the repeated one", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc
          .constantFrom(...COMMAND_SPECS)
          .chain((spec) => commandLine(spec).map((line) => ({ spec, ...line }))),
        async ({ spec, given, argv, order }) => {
          const { code, calls, stderr } = await parseArgv(argv);
          const repeated = given.filter((g) => !g.repeatable && g.uses.length > 1).map((g) => `--${g.name}`);
          expect(stderr).not.toMatch(/unexpected error|TypeError|\n\s+at /);
          if (repeated.length === 0) {
            expect([code, stderr]).toEqual([0, ""]);
            expect(calls).toEqual([expected(spec, order)]);
          } else {
            expect([code, calls]).toEqual([2, []]);
            const named = /dogdriver: (--[a-z-]+) is given more than once/.exec(stderr)?.[1];
            expect(repeated).toContain(named);
          }
        },
      ),
      { numRuns: RUNS * 4 },
    );
  });
});
