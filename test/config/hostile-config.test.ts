import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkCommand } from "../../src/check/check-command.js";
import { loadConfig } from "../../src/config/load.js";
import { DogdriverError } from "../../src/errors.js";
import { testDeps } from "../support/deps.js";

// Config files a hostile or careless hand wrote: each ends in exit 3 with a message naming the file.

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "dogdriver-hostile-config-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const load = async (name: string, text: string) => {
  await writeFile(join(dir, name), text);
  return loadConfig({ file: name, cwd: dir, env: {}, hostname: "h" }).then(
    () => undefined,
    (error: unknown) => error as DogdriverError,
  );
};

describe("hostile configuration files", () => {
  it.each([
    [
      "deep.json",
      `${"[".repeat(100_000)}${"]".repeat(100_000)}`,
      /deep.json: not valid JSON: nested deeper than 64 levels/,
    ],
    [
      "deep.yaml",
      `a: ${"[".repeat(200)}${"]".repeat(200)}\n`,
      /deep.yaml: not valid YAML: nested deeper than 64 levels/,
    ],
    [
      // Thousands of flow mappings overflow the yaml package's stack; an overflow that lands inside V8's regular
      // expression compiler killed the process (the fuzz test's worker, ~1 run in 10): refused before parsing.
      "flow.yaml",
      `${'{"a":'.repeat(3000)}1${"}".repeat(3000)}`,
      /flow.yaml: not valid YAML: nested deeper than 64 levels/,
    ],
    ["null.json", "null", /null.json: expected a mapping of configuration keys .* got null/],
    ["empty.yaml", "", /empty.yaml: expected a mapping .* got null/],
    ["list.json", "[1, 2]", /list.json: expected a mapping .* got a list/],
    ["number.yaml", "42\n", /number.yaml: expected a mapping .* got number 42/],
  ])("%s is refused (exit 3)", async (name, text, message) => {
    const error = await load(name, text);
    expect(error).toBeInstanceOf(DogdriverError);
    expect(error?.code).toBe("invalid_config");
    expect(error?.message).toMatch(message);
  });

  it("brackets in YAML's quoted strings and comments are text, not nesting", async () => {
    const text = `store: "file://./${"{".repeat(100)}"\nlocation: '${"[".repeat(100)}'\n# ${"[".repeat(100)}\n`;
    const error = await load("quoted.yaml", text);
    expect(error?.message ?? "").not.toMatch(/nested deeper/);
  });

  it("durations are bounded to 7 days", async () => {
    const error = await load("settle.json", JSON.stringify({ settle: "99999999999999999999d" }));
    expect(error?.details).toEqual([
      'settle: expected a duration such as "10m", "30s" or "1h", at most 7d, got "99999999999999999999d"',
    ]);
    expect(await load("week.json", JSON.stringify({ settle: "7d" }))).toBeUndefined();
    expect((await load("week1.json", JSON.stringify({ settle: "7d1ms" })))?.code).toBe("invalid_config");
  });

  it("check with a null config creates nothing", async () => {
    const cwd = await mkdtemp(join(tmpdir(), "dogdriver-null-check-"));
    await writeFile(join(cwd, "dogdriver.config.json"), "null");
    await expect(checkCommand({}, testDeps({ cwd }))).rejects.toThrow(/expected a mapping/);
    expect(await readdir(cwd)).toEqual(["dogdriver.config.json"]);
    await rm(cwd, { recursive: true, force: true });
  });
});
