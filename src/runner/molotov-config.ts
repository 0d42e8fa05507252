import { readFile } from "node:fs/promises";
import { isAbsolute, join, relative, resolve } from "node:path";
import { z } from "zod";
import { describeIssues, didYouMean, formatPath } from "../config/issues.js";
import { DogdriverError } from "../errors.js";
import { safeText } from "../text/safe-text.js";
import type { TestPlan } from "./types.js";

// molotov.json in the moloslave format: {"molotov": {"env", "requirements", "tests": {NAME: {<dest>: value}}}}.
// Test keys are molotov's argparse dest names (docs/runner.md). Unlike moloslave, a boolean false leaves its
// flag out, `use_extension` may be a string or a list, and an unknown key is an error rather than ignored.
// `env` and `requirements` are also accepted inside a test (molotov's own example puts them there); a test's
// values win over the file's.

const positiveInt = z.number().int().positive();
const seconds = z.number().nonnegative();

const testSchema = z.strictObject({
  scenario: z.string().min(1).optional(),
  duration: positiveInt.optional(),
  workers: positiveInt.optional(),
  processes: positiveInt.optional(),
  max_runs: positiveInt.optional(),
  delay: seconds.optional(),
  ramp_up: seconds.optional(),
  exception: z.boolean().optional(),
  fail: positiveInt.optional(),
  quiet: z.boolean().optional(),
  verbose: z.number().int().min(0).max(2).optional(),
  single_mode: z.string().min(1).optional(),
  single_run: z.boolean().optional(),
  statsd: z.boolean().optional(),
  statsd_address: z.string().min(1).optional(),
  use_extension: z.union([z.string().min(1), z.array(z.string().min(1))]).optional(),
  force_shutdown: z.boolean().optional(),
  console_update: z.number().positive().optional(),
  sizing: z.boolean().optional(),
  sizing_tolerance: z.number().positive().optional(),
  disable_dns_resolve: z.boolean().optional(),
  uvloop: z.boolean().optional(),
  debug: z.boolean().optional(),
  env: z.record(z.string(), z.string()).optional(),
  requirements: z.string().min(1).optional(),
});

const fileSchema = z.object({
  molotov: z.object({
    env: z.record(z.string(), z.string()).optional(),
    requirements: z.string().min(1).optional(),
    tests: z.record(z.string(), testSchema),
  }),
});

type TestOptions = z.infer<typeof testSchema>;

// dest -> flag. Booleans become the bare flag when true; `quiet` is left out because dogdriver reads molotov's
// console to explain failures (and -q would also disable `fail`).
const VALUE_FLAGS: [keyof TestOptions, string][] = [
  ["duration", "-d"],
  ["workers", "-w"],
  ["processes", "-p"],
  ["max_runs", "-r"],
  ["delay", "--delay"],
  ["ramp_up", "--ramp-up"],
  ["single_mode", "-s"],
  ["statsd_address", "--statsd-address"],
  ["console_update", "--console-update"],
  ["sizing_tolerance", "--sizing-tolerance"],
];
const BOOLEAN_FLAGS: [keyof TestOptions, string][] = [
  ["exception", "-x"],
  ["single_run", "--single-run"],
  ["statsd", "--statsd"],
  ["force_shutdown", "--force-shutdown"],
  ["sizing", "--sizing"],
  ["disable_dns_resolve", "--disable-dns-resolve"],
  ["uvloop", "--uvloop"],
  ["debug", "--debug"],
];

/** Molotov's command-line flags for a test's options (scenario and extensions excluded). */
export const molotovFlags = (test: TestOptions): string[] => {
  const flags: string[] = [];
  for (const [key, flag] of VALUE_FLAGS) {
    const value = test[key];
    if (value !== undefined) flags.push(flag, String(value));
  }
  for (const [key, flag] of BOOLEAN_FLAGS) if (test[key] === true) flags.push(flag);
  for (let i = 0; i < (test.verbose ?? 0); i++) flags.push("-v");
  return flags;
};

const parseJson = (file: string, text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch (error) {
    // V8 quotes the text around the error: it is the repository's, so safe text only.
    throw new DogdriverError(
      "invalid_input",
      `${file}: not valid JSON: ${safeText((error as Error).message, 200)}`,
    );
  }
};

// A path from molotov.json must stay inside the test's directory: the file comes from a repository.
const inside = (dir: string, path: string, file: string, where: string): string => {
  const full = resolve(dir, path);
  const rel = relative(dir, full);
  if (rel.startsWith("..") || isAbsolute(rel)) {
    throw new DogdriverError(
      "invalid_input",
      `${file}: \`${where}\`: expected a path inside the test directory, got "${path}"`,
    );
  }
  return full;
};

/** Reads `<dir>/molotov.json` and turns test `name` into a plan; every problem is an exit-3 error naming the file. */
export const readTestPlan = async (dir: string, name: string): Promise<TestPlan> => {
  const file = join(dir, "molotov.json");
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code === "ENOENT" ? "not found" : (error as Error).message;
    throw new DogdriverError("invalid_input", `${file}: cannot read molotov.json (${why})`);
  }
  const parsed = fileSchema.safeParse(parseJson(file, text));
  if (!parsed.success) {
    const problems = parsed.error.issues.flatMap((issue) =>
      // describeIssues cannot see through the `tests` record to suggest a test key: do it here.
      issue.code === "unrecognized_keys" && issue.path[1] === "tests"
        ? issue.keys.map((key) => {
            const hint = didYouMean(key, Object.keys(testSchema.shape));
            return `${formatPath([...issue.path, key])}: unknown key${hint ? ` (did you mean "${hint}"?)` : ""}`;
          })
        : describeIssues(fileSchema, [issue]),
    );
    throw new DogdriverError("invalid_input", `${file}: invalid molotov.json: ${problems.join("; ")}`, {
      details: problems.length > 1 ? problems : [],
    });
  }
  const { molotov } = parsed.data;
  const test = molotov.tests[name];
  if (test === undefined) {
    const known = Object.keys(molotov.tests);
    throw new DogdriverError(
      "invalid_input",
      `${file}: \`molotov.tests.${name}\`: no such test (${known.length ? `found ${known.map((k) => `"${k}"`).join(", ")}` : "no tests defined"})`,
    );
  }
  const where = `molotov.tests.${name}`;
  if (test.duration === undefined && test.max_runs === undefined && test.single_run !== true) {
    throw new DogdriverError(
      "invalid_input",
      `${file}: \`${where}\`: expected "duration" (seconds) or "max_runs": molotov's default duration is a whole day`,
    );
  }
  const requirementsKey = test.requirements !== undefined ? `${where}.requirements` : "molotov.requirements";
  const requirements = test.requirements ?? molotov.requirements;
  const scenario = test.scenario ?? "loadtest.py";
  if (scenario.endsWith(".py")) inside(dir, scenario, file, `${where}.scenario`);
  const extensions = [test.use_extension ?? []].flat();
  extensions.forEach((ext, i) => {
    if (ext.endsWith(".py")) inside(dir, ext, file, `${where}.use_extension[${i}]`);
  });
  const expectedS = test.duration === undefined ? undefined : test.duration + (test.ramp_up ?? 0);
  return {
    dir,
    scenario,
    flags: molotovFlags(test),
    extensions,
    env: { ...molotov.env, ...test.env },
    ...(requirements === undefined ? {} : { requirements: inside(dir, requirements, file, requirementsKey) }),
    ...(expectedS === undefined ? {} : { expectedMs: expectedS * 1000 }),
    // A test bounded by max_runs may end before its duration; only a duration alone says how long it must last.
    ...(test.duration === undefined || test.max_runs !== undefined || test.single_run === true
      ? {}
      : { durationMs: test.duration * 1000 }),
    ...(test.fail === undefined ? {} : { failThreshold: test.fail }),
    origin: `${file}, test "${name}"`,
  };
};
