import { randomBytes } from "node:crypto";
import { mkdir, rename, rm, stat } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { DogdriverError } from "../errors.js";

// A lock on one store object shared by every process using the directory: mkdir is atomic on local and
// network file systems, and the holder keeps it for one read and one rename (milliseconds).
// The waits and ages below are real time on purpose: they wait on other processes and compare against the
// file system's clock, so a test's manual clock must not stretch or freeze them.

/** Older than this, a lock is left over from a crashed process (a holder needs milliseconds). */
const STALE_MS = 10_000;
/** Give up waiting after this long: the store is wedged or the directory is not writable. */
const WAIT_MS = 30_000;

const code = (error: unknown) => (error as NodeJS.ErrnoException).code;

// Takes a stale lock away by renaming it first: of several processes that found it stale, one rename wins.
const breakStale = async (lockPath: string): Promise<void> => {
  try {
    const info = await stat(lockPath);
    if (Date.now() - info.mtimeMs < STALE_MS) return;
    const tombstone = `${lockPath}.stale-${randomBytes(6).toString("hex")}`;
    await rename(lockPath, tombstone);
    await rm(tombstone, { recursive: true, force: true });
  } catch (error) {
    if (code(error) !== "ENOENT") throw error;
  }
};

/** Runs `fn` while holding the lock directory `lockPath`. */
export const withFileLock = async <T>(lockPath: string, what: string, fn: () => Promise<T>): Promise<T> => {
  const deadline = Date.now() + WAIT_MS;
  for (let wait = 1; ; wait = Math.min(wait * 2, 50)) {
    try {
      await mkdir(lockPath);
      break;
    } catch (error) {
      if (code(error) !== "EEXIST") throw error;
    }
    if (Date.now() > deadline)
      throw new DogdriverError("store", `${what}: still locked after ${WAIT_MS / 1000}s (${lockPath})`);
    await breakStale(lockPath);
    await sleep(wait * (0.5 + Math.random()));
  }
  try {
    return await fn();
  } finally {
    await rm(lockPath, { recursive: true, force: true });
  }
};
