import { describe, expect, it } from "vitest";
import { z } from "zod";
import { describeIssues } from "../../src/config/issues.js";

// zod's default wording, rephrased in the style of the hand-written messages; a schema's own message is kept.

const schema = z.strictObject({
  pct: z.number().positive(),
  workers: z.number().int().max(32),
  name: z.string().min(1),
  tag: z.string().max(3),
  tags: z.array(z.string()).min(2),
  state: z.enum(["pending", "failed"]),
  flag: z.boolean(),
  own: z.string().min(2, { error: "expected a handle" }),
});

const problems = (value: unknown) => {
  const parsed = schema.safeParse(value);
  return parsed.success ? [] : describeIssues(schema, parsed.error.issues);
};

describe("describeIssues", () => {
  it("says what was expected in the house style", () => {
    expect(
      problems({
        pct: 0,
        workers: 40,
        name: "",
        tag: "abcd",
        tags: ["a"],
        state: "x",
        flag: "yes",
        own: "a",
      }),
    ).toEqual([
      "pct: expected a number above 0",
      "workers: expected a number of at most 32",
      "name: expected a non-empty string",
      "tag: expected at most 3 characters",
      "tags: expected at least 2 entries",
      'state: expected one of "pending", "failed"',
      "flag: expected true or false, got a string",
      "own: expected a handle",
    ]);
    expect(problems({})[0]).toBe("pct: expected a number (missing)");
  });
});
