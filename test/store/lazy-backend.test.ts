import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createFileBackend } from "../../src/store/file-store.js";
import { lazyBackend } from "../../src/store/lazy-backend.js";
import { openStore } from "../../src/store/open-store.js";
import type { ObjectBackend } from "../../src/store/types.js";
import { testDeps } from "../support/deps.js";

describe("lazyBackend", () => {
  it("loads the backend at the first operation, once, and closes it when closed", async () => {
    const dir = await mkdtemp(join(tmpdir(), "dogdriver-lazy-"));
    let loads = 0;
    let closes = 0;
    const backend = lazyBackend(
      "file:///x",
      (key) => `/x/${key}`,
      async () => {
        loads++;
        const real = createFileBackend(dir);
        return { ...real, close: () => closes++ } satisfies ObjectBackend;
      },
    );
    expect(backend.describe("runs/a.json")).toBe("/x/runs/a.json");
    expect(loads).toBe(0);
    await Promise.all([backend.put("a.json", "1"), backend.put("b.json", "2")]);
    const keys: string[] = [];
    for await (const page of backend.listPages("")) keys.push(...page);
    expect(keys).toEqual(["a.json", "b.json"]);
    expect((await backend.get("a.json"))?.body).toBe("1");
    expect(loads).toBe(1);
    backend.close();
    await new Promise((resolve) => setImmediate(resolve));
    expect(closes).toBe(1);
  });

  it("refuses use after close, and closes a backend that finishes loading after close once", async () => {
    const dir = await mkdtemp(join(tmpdir(), "dogdriver-lazy-"));
    let loads = 0;
    let closes = 0;
    let finish: () => void = () => {};
    const slow = lazyBackend(
      "file:///x",
      (key) => `/x/${key}`,
      async () => {
        loads++;
        await new Promise<void>((resolve) => {
          finish = resolve;
        });
        return { ...createFileBackend(dir), close: () => closes++ } satisfies ObjectBackend;
      },
    );
    const waiting = slow.get("a.json");
    slow.close();
    finish();
    await expect(waiting).rejects.toThrow("file:///x: used after it was closed");
    expect(closes).toBe(1);
    await expect(slow.get("a.json")).rejects.toThrow("used after it was closed");
    expect(loads).toBe(1);

    const unused = lazyBackend(
      "file:///y",
      (key) => key,
      async () => {
        loads++;
        return createFileBackend(dir);
      },
    );
    unused.close();
    await expect(unused.put("b.json", "1")).rejects.toThrow("file:///y: used after it was closed");
    expect(loads).toBe(1);
  });

  it("checks an s3:// URL when the store is opened, and reaches for S3 only when the store is used", async () => {
    expect(() => openStore("s3://Bad_Bucket/runs", testDeps({ cwd: tmpdir() }))).toThrow(
      /expected s3:\/\/bucket\/prefix/,
    );
    // Nothing listens on port 9: opening the store must not notice, its first read must.
    const env = {
      AWS_ENDPOINT_URL_S3: "http://127.0.0.1:9",
      AWS_ACCESS_KEY_ID: "test-key-id",
      AWS_SECRET_ACCESS_KEY: "test-secret",
      AWS_MAX_ATTEMPTS: "1",
    };
    const store = openStore("s3://dogdriver-runs/team", testDeps({ cwd: tmpdir(), env }));
    expect(store.url).toBe("s3://dogdriver-runs/team/");
    await expect(store.readBlob("state.json")).rejects.toThrow(
      /s3:\/\/dogdriver-runs\/team\/_dogdriver\/state\.json: cannot read: cannot reach http:\/\/127\.0\.0\.1:9/,
    );
    store.close?.();
  });
});
