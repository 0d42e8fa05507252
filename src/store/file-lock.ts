import { mkdirSync, rmdirSync } from "node:fs";
import { mkdir, rm, stat } from "node:fs/promises";
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

const isStale = async (path: string): Promise<boolean> => {
  try {
    return Date.now() - (await stat(path)).mtimeMs >= STALE_MS;
  } catch (error) {
    if (code(error) === "ENOENT") return false;
    throw error;
  }
};

// Takes a stale lock away. Seeing it stale and removing it are two steps, and between them another process may
// break the same lock and a third take it afresh: removing then would take a live lock. So only a breaker
// removes another's lock, one breaker at a time (the `.break` directory), and it looks again once it is the
// breaker. A breaker that crashed leaves `.break` behind; it goes stale like a lock and is removed the same way
// (that removal can race in turn, but only when a breaker crashed within its milliseconds).
const breakStale = async (lockPath: string): Promise<void> => {
  if (!(await isStale(lockPath))) return;
  const breaker = `${lockPath}.break`;
  try {
    await mkdir(breaker);
  } catch (error) {
    if (code(error) !== "EEXIST") throw error;
    if (await isStale(breaker)) await rm(breaker, { recursive: true, force: true });
    return;
  }
  try {
    if (await isStale(lockPath)) await rm(lockPath, { recursive: true, force: true });
  } finally {
    await rm(breaker, { recursive: true, force: true });
  }
};

// Taking and releasing are one system call each, made synchronously: no thread-pool round trip (and no recursive
// removal's lstat) for a lock that is nearly always free.
const release = (lockPath: string): void => {
  try {
    rmdirSync(lockPath); // a lock is an empty directory
  } catch (error) {
    if (code(error) !== "ENOENT") throw error; // broken as stale meanwhile: nothing left to release
  }
};

/** Runs `fn` while holding the lock directory `lockPath`. */
export const withFileLock = async <T>(lockPath: string, what: string, fn: () => Promise<T>): Promise<T> => {
  const deadline = Date.now() + WAIT_MS;
  for (let wait = 1; ; wait = Math.min(wait * 2, 50)) {
    try {
      mkdirSync(lockPath);
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
    release(lockPath);
  }
};
