import { describe, expect, it } from "vitest";
import { isDogdriverError } from "../../src/errors.js";
import {
  checkBlobPath,
  checkBlobPrefix,
  keyTime,
  parseRunKey,
  runKey,
  runPrefix,
} from "../../src/store/keys.js";
import { sampleRun } from "./fixtures.js";

const HOSTILE = [
  "../../etc",
  "..",
  ".",
  "",
  "a/b",
  "a\\b",
  "x".repeat(5000),
  "Kinto",
  " kinto",
  "kinto\n",
  "-x",
];

describe("run keys", () => {
  it("is runs/<service>/<env>/<started_at>_<id>.json", () => {
    expect(runKey(sampleRun())).toBe(
      "runs/kinto/stage/2026-11-24T10:00:00.000Z_01JD0000000000000000000001.json",
    );
  });

  it.each(HOSTILE)("refuses service, env %j with an invalid_input error naming the field", (value) => {
    for (const field of ["service", "env"] as const) {
      const error = (() => {
        try {
          runKey(sampleRun({ [field]: value }));
        } catch (e) {
          return e;
        }
      })();
      expect(isDogdriverError(error) && error.code).toBe("invalid_input");
      expect((error as Error).message.startsWith(`${field}: expected lowercase letters`)).toBe(true);
      expect((error as Error).message.length).toBeLessThan(300); // a 5 KB value is cut in the message
    }
  });

  it.each(["../x", "", "a/b", "a.b", "x".repeat(65), "id\u0000"])("refuses id %j", (id) => {
    expect(() => runKey(sampleRun({ id }))).toThrow(/^id: expected/);
  });

  it("normalizes the start time to UTC milliseconds and refuses what is not a time", () => {
    expect(keyTime("2026-11-24T11:00:00+01:00")).toBe("2026-11-24T10:00:00.000Z");
    expect(keyTime("2026-11-24T10:00:00.5Z")).toBe("2026-11-24T10:00:00.500Z");
    for (const bad of ["", "yesterday", "+275760-09-13T00:00:00.000Z", "../../x"])
      expect(() => keyTime(bad), bad).toThrow(/started_at: expected/);
  });

  it("gives different records different keys (ids differing in case included)", () => {
    const variants = [
      sampleRun(),
      sampleRun({ id: "01JD0000000000000000000002" }),
      sampleRun({ id: "01jd0000000000000000000001" }),
      sampleRun({ service: "kinto-stage", env: "x" }),
      sampleRun({ service: "kinto", env: "stage-x" }),
      sampleRun({ started_at: "2026-11-24T10:00:00.001Z" }),
    ];
    expect(new Set(variants.map(runKey)).size).toBe(variants.length);
  });

  it("parses what it builds and nothing else", () => {
    expect(parseRunKey(runKey(sampleRun()))).toEqual({
      service: "kinto",
      env: "stage",
      startedAt: "2026-11-24T10:00:00.000Z",
      id: "01JD0000000000000000000001",
    });
    for (const key of [
      "runs/kinto/stage/notes.txt",
      "runs/kinto/stage/.2026-11-24T10:00:00.000Z_A.json.abc.tmp",
      "runs/../stage/2026-11-24T10:00:00.000Z_A.json",
      "runs/kinto/stage/x/2026-11-24T10:00:00.000Z_A.json",
      "_dogdriver/kinto/stage/2026-11-24T10:00:00.000Z_A.json",
    ])
      expect(parseRunKey(key), key).toBeUndefined();
  });

  it("builds listing prefixes from checked names", () => {
    expect(runPrefix()).toBe("runs/");
    expect(runPrefix({ service: "kinto" })).toBe("runs/kinto/");
    expect(runPrefix({ service: "kinto", env: "stage" })).toBe("runs/kinto/stage/");
    expect(() => runPrefix({ service: "kinto", env: "../prod" })).toThrow(/env/);
  });
});

describe("blob paths", () => {
  it("accepts dogdriver's own names", () => {
    for (const path of [
      "claims/kinto/stage/2026-11-24T10:00:00.000Z_01JD.json",
      "state.json",
      "outbox/a+b=c",
    ])
      expect(checkBlobPath(path)).toBe(path);
    expect(checkBlobPrefix("")).toBe("");
    expect(checkBlobPrefix("claims/")).toBe("claims/");
  });

  it.each(["", "/abs", "a//b", "../x", "a/../b", ".lock", "a/.tmp", "a/", "x".repeat(600), "a b", "a\\b"])(
    "refuses %j",
    (path) => {
      expect(() => checkBlobPath(path)).toThrow(/^blob path: expected/);
    },
  );
});
