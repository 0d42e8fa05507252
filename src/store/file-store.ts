import { createHash, randomBytes } from "node:crypto";
import type { Dirent } from "node:fs";
import {
  closeSync,
  fsync,
  linkSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { readdir, rm, stat, unlink } from "node:fs/promises";
import { basename, dirname, join, resolve, sep } from "node:path";
import { performance } from "node:perf_hooks";
import { setImmediate as nextTurn } from "node:timers/promises";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { DogdriverError } from "../errors.js";
import { withFileLock } from "./file-lock.js";
import { makeDir } from "./make-dir.js";
import {
  type Blob,
  type ObjectBackend,
  StoreConflictError,
  type StoredBody,
  type WriteCondition,
} from "./types.js";

// The file:// backend: one file per object under the root directory. A write goes to a temp file that is
// synced and renamed over the target, so readers see the old or the new document, never half of one.
// Conditional writes hold a per-object lock (file-lock.ts) around the compare and the rename; unconditional
// writes and deletes take it too, or they could slip between another writer's compare and its rename.
// Temp files and locks start with "." next to their object; listings skip every name starting with ".".

// listRuns reads records synchronously, in slices of at most this long, and lets the event loop run between
// slices (signals, timers). An fs/promises readFile is four thread-pool round trips (open, fstat, read, close)
// and their promises: for 100,000 small records that was over half of listRuns' time; readFileSync is one call.
const READ_SLICE_MS = 10;
// An options object rather than "utf8": Node turns a string into a new object on every call (0.1 s per 100,000).
const UTF8 = { encoding: "utf8" } as const;

const syncFile = promisify(fsync);

const code = (error: unknown) => (error as NodeJS.ErrnoException).code;

/** The sha-256 of a body: a content tag, as S3's ETag for simple uploads is the body's MD5. */
const etagOf = (body: string) => createHash("sha256").update(body).digest("hex").slice(0, 32);

/** The directory of a file:// store URL: `file://./.dogdriver` and `file://data` are relative to `cwd`. */
export const fileStoreRoot = (url: string, cwd: string): string => {
  const path = url.replace(/^file:\/\//, "");
  if (!url.startsWith("file://") || path === "" || path.includes("\0"))
    throw new DogdriverError("invalid_config", `store "${url}": expected file://DIR`);
  try {
    return resolve(cwd, decodeURIComponent(path));
  } catch {
    throw new DogdriverError("invalid_config", `store "${url}": expected file://DIR with valid %-escapes`);
  }
};

export interface FileBackendOptions {
  /** How long listRuns reads synchronously before the event loop gets a turn (tests use 0). */
  readSliceMs?: number;
}

export const createFileBackend = (
  root: string,
  { readSliceMs = READ_SLICE_MS }: FileBackendOptions = {},
): ObjectBackend => {
  // Keys are validated (keys.ts: no empty, "." or ".." segments), so joining is concatenation.
  const base = root.endsWith(sep) ? root : `${root}${sep}`;
  const pathOf = sep === "/" ? (key: string) => base + key : (key: string) => base + key.split("/").join(sep);
  const describe = (key: string) => pathOf(key);
  const fail = (key: string, doing: string, error: unknown): never => {
    if (error instanceof DogdriverError || error instanceof StoreConflictError) throw error;
    throw new DogdriverError("store", `${describe(key)}: cannot ${doing} (${(error as Error).message})`);
  };

  // The whole document or nothing: a writer renames a complete file over the old one, and the open file keeps
  // the version it opened. Read synchronously: an fs/promises readFile is four thread-pool round trips.
  const readBody = (key: string): string | undefined => {
    try {
      return readFileSync(pathOf(key), UTF8);
    } catch (error) {
      if (code(error) === "ENOENT" || code(error) === "ENOTDIR") return undefined;
      return fail(key, "read", error);
    }
  };

  const get = async (key: string): Promise<Blob | undefined> => {
    const body = readBody(key);
    return body === undefined ? undefined : { body, etag: etagOf(body) };
  };

  // A new temp file beside the target, created exclusively. The target's directory is made only when the open
  // finds it missing: a stat before every write was one more round trip for a directory that nearly always exists.
  const openTemp = async (target: string): Promise<{ temp: string; fd: number }> => {
    const temp = join(dirname(target), `.${basename(target)}.${randomBytes(6).toString("hex")}.tmp`);
    try {
      return { temp, fd: openSync(temp, "wx") };
    } catch (error) {
      if (code(error) !== "ENOENT") throw error;
    }
    await makeDir(dirname(target));
    return { temp, fd: openSync(temp, "wx") };
  };

  // Written whole and synced before any rename: the rename must not land before the data after a power cut.
  const writeAll = async (fd: number, body: string): Promise<void> => {
    try {
      writeFileSync(fd, body, UTF8);
      await syncFile(fd);
    } finally {
      closeSync(fd);
    }
  };

  const put = async (key: string, body: string, condition?: WriteCondition): Promise<string> => {
    const target = pathOf(key);
    let temp: string | undefined; // removed below unless renamed into place
    try {
      const opened = await openTemp(target);
      temp = opened.temp;
      await writeAll(opened.fd, body);
      const source = temp;
      await withFileLock(`${dirname(target)}/.${basename(target)}.lock`, describe(key), async () => {
        if (condition && "ifMatch" in condition && (await get(key))?.etag !== condition.ifMatch)
          throw new StoreConflictError(key);
        // link() refuses an existing target: create-only holds even against a writer that skips the lock.
        if (condition && "ifNoneMatch" in condition) {
          try {
            linkSync(source, target);
          } catch (error) {
            if (code(error) === "EEXIST") throw new StoreConflictError(key);
            throw error;
          }
        } else {
          renameSync(source, target);
          temp = undefined; // renamed: nothing left to remove
        }
      });
      return etagOf(body);
    } catch (error) {
      return fail(key, "write", error);
    } finally {
      if (temp) await unlink(temp).catch(() => {});
    }
  };

  const del = async (key: string): Promise<void> => {
    const target = pathOf(key);
    try {
      await withFileLock(`${dirname(target)}/.${basename(target)}.lock`, describe(key), async () => {
        try {
          unlinkSync(target);
        } catch (error) {
          if (code(error) !== "ENOENT") throw error;
        }
      });
    } catch (error) {
      if (code(error) === "ENOENT") return; // the parent directory does not exist: nothing to delete
      fail(key, "delete", error);
    }
  };

  // Entries of one directory, sorted as their keys sort (a directory "a" as "a/": "a-b/" < "a/" as on S3).
  const entries = async (dir: string, key: string) => {
    try {
      // Synchronous, as the reads: a listing of a fleet's store is thousands of small directories, and a
      // promise and a thread-pool round trip for each cost more than the call itself.
      const found = readdirSync(dir, { withFileTypes: true });
      return found
        .filter((e) => !e.name.startsWith(".") && (e.isFile() || e.isDirectory()))
        .map((e) => ({
          name: e.name,
          isDir: e.isDirectory(),
          sortKey: e.isDirectory() ? `${e.name}/` : e.name,
        }))
        .sort((a, b) => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0));
    } catch (error) {
      if (code(error) === "ENOENT" || code(error) === "ENOTDIR") return [];
      return fail(key, "list", error);
    }
  };

  // Every key under the directory `dirKey` that starts with `prefix`, skipping directories that cannot: one
  // page per run of files between subdirectories, so pages keep key order.
  async function* walk(dirKey: string, prefix: string): AsyncGenerator<string[]> {
    let page: string[] = [];
    for (const entry of await entries(dirKey === "" ? root : pathOf(dirKey), dirKey)) {
      const key = `${dirKey}${entry.name}`;
      if (!entry.isDir) {
        if (key.startsWith(prefix)) page.push(key);
      } else if (`${key}/`.startsWith(prefix) || prefix.startsWith(`${key}/`)) {
        if (page.length > 0) yield page;
        page = [];
        yield* walk(`${key}/`, prefix);
      }
    }
    if (page.length > 0) yield page;
  }

  const listPages = (prefix: string) => walk(prefix.slice(0, prefix.lastIndexOf("/") + 1), prefix);

  async function* readBodies(pages: AsyncIterable<string[]>): AsyncGenerator<StoredBody[]> {
    let sliceEnd = performance.now() + readSliceMs;
    for await (const keys of pages) {
      let batch: StoredBody[] = [];
      for (const key of keys) {
        batch.push({ key, body: readBody(key) });
        if (performance.now() < sliceEnd) continue;
        yield batch;
        batch = [];
        await nextTurn();
        sliceEnd = performance.now() + readSliceMs;
      }
      if (batch.length > 0) yield batch;
    }
  }

  async function* children(prefix: string): AsyncGenerator<string> {
    for (const entry of await entries(pathOf(prefix), prefix)) if (entry.isDir) yield entry.name;
  }

  // What a killed writer leaves: its temporary file (.<name>.<hex>.tmp) and its lock (.<name>.lock, .lock.break).
  const isLitter = (name: string, isDir: boolean) =>
    name.startsWith(".") && (isDir ? /\.lock(\.break)?$/.test(name) : name.endsWith(".tmp"));

  // Compared with the file system's clock (mtimes), as the locks are: real time on purpose.
  async function* litterUnder(dir: string, olderThanMs: number): AsyncGenerator<string> {
    let found: Dirent[];
    try {
      found = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      if (code(error) === "ENOENT" || code(error) === "ENOTDIR") return;
      throw error;
    }
    for (const entry of found) {
      const path = join(dir, entry.name);
      if (isLitter(entry.name, entry.isDirectory())) {
        const mtimeMs = await stat(path).then(
          (s) => s.mtimeMs,
          () => undefined,
        );
        if (mtimeMs !== undefined && Date.now() - mtimeMs > olderThanMs) yield path;
      } else if (entry.isDirectory() && !entry.name.startsWith(".")) yield* litterUnder(path, olderThanMs);
    }
  }

  const sweepLitter = async (olderThanMs: number): Promise<number> => {
    let removed = 0;
    for await (const path of litterUnder(root, olderThanMs)) {
      await rm(path, { recursive: true, force: true });
      removed += 1;
    }
    return removed;
  };

  return {
    url: pathToFileURL(root).href,
    describe,
    sweepLitter,
    get,
    put,
    delete: del,
    deleteMany: async (keys) => {
      for (const key of keys) await del(key);
    },
    listPages,
    readBodies,
    children,
    close: () => {},
  };
};
