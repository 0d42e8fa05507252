import { randomBytes } from "node:crypto";
import { type FileHandle, open, rename, rm } from "node:fs/promises";
import { DogdriverError } from "../errors.js";

// `report --html FILE`, written section by section as report judges each service (a fleet's page would
// otherwise be held whole). A half-written page must never replace a good one: it is written beside the file
// and renamed over it at the end (atomic on one file system); on any failure the partial file is removed.

export interface HtmlFile {
  write: (text: string) => Promise<void>;
  /** Renames the finished page into place. */
  commit: () => Promise<void>;
  /** Removes the partial page (after a failure). */
  abandon: () => Promise<void>;
}

const failure = (path: string, error: unknown) =>
  new DogdriverError("invalid_input", `--html ${path}: cannot write (${(error as Error).message})`, {
    cause: error,
  });

export const openHtmlFile = async (path: string): Promise<HtmlFile> => {
  const temp = `${path}.${randomBytes(6).toString("hex")}.tmp`;
  let handle: FileHandle | undefined;
  try {
    handle = await open(temp, "w");
  } catch (error) {
    throw failure(path, error);
  }
  const abandon = async () => {
    await handle?.close().catch(() => {});
    handle = undefined;
    await rm(temp, { force: true });
  };
  return {
    write: async (text) => {
      try {
        await (handle as FileHandle).write(text, null, "utf8");
      } catch (error) {
        await abandon();
        throw failure(path, error);
      }
    },
    commit: async () => {
      try {
        await (handle as FileHandle).close();
        handle = undefined;
        await rename(temp, path);
      } catch (error) {
        await abandon();
        throw failure(path, error);
      }
    },
    abandon,
  };
};
