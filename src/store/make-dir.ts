import { mkdir, stat } from "node:fs/promises";
import { dirname, resolve } from "node:path";

// mkdir -p without Node's recursive mkdir, which loops for ever at 100% CPU (deaf to Ctrl-C's first press)
// when a parent refuses entries the way /proc does: it answers ENOENT to the mkdir of a child whose parent
// exists, and Node keeps retrying. This creates each missing level once and fails on the first refusal.

/** Directory levels created at most; deeper means a mistaken path, not a store or a spool. */
const MAX_NEW_LEVELS = 64;

/** Creates `path` and its missing parents; a refusal is thrown as the file system gave it. */
export const makeDir = async (path: string): Promise<void> => {
  const missing: string[] = [];
  for (let current = resolve(path); ; current = dirname(current)) {
    try {
      if ((await stat(current)).isDirectory()) break;
      throw Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${current}'`), { code: "ENOTDIR" });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT" || dirname(current) === current) throw error;
    }
    missing.unshift(current);
    if (missing.length > MAX_NEW_LEVELS)
      throw new Error(`${path}: more than ${MAX_NEW_LEVELS} directory levels to create`);
  }
  for (const dir of missing) {
    try {
      await mkdir(dir);
    } catch (error) {
      // Created meanwhile by another process: fine as long as it is a directory.
      if ((error as NodeJS.ErrnoException).code !== "EEXIST" || !(await stat(dir)).isDirectory()) throw error;
    }
  }
};
